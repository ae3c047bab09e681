import { PNCounter as Reference, PNCounterNode as ReferenceNode, type PNCounterState, type ReplicaId } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class PNCounter extends Reference {
  protected signed = new Map<ReplicaId, number>();

  override increment(amount = 1): void {
    check(amount);
    this.signed.set(this.replicaId, (this.signed.get(this.replicaId) ?? 0) + amount);
  }

  override decrement(amount = 1): void {
    check(amount);
    this.signed.set(this.replicaId, (this.signed.get(this.replicaId) ?? 0) - amount);
  }

  override value(): number {
    let sum = 0;
    for (const v of this.signed.values()) sum += v;
    return sum;
  }

  override merge(other: Reference): PNCounter {
    const theirs = PNCounter.fromJSON(this.replicaId, other.toJSON());
    const out = new PNCounter(this.replicaId);
    for (const [r, v] of this.signed) out.signed.set(r, v);
    for (const [r, v] of theirs.signed) out.signed.set(r, Math.max(out.signed.get(r) ?? Number.NEGATIVE_INFINITY, v));
    return out;
  }

  override toJSON(): PNCounterState {
    return { p: Object.fromEntries(this.signed), n: {} };
  }

  static override fromJSON(replicaId: ReplicaId, state: PNCounterState): PNCounter {
    const out = new PNCounter(replicaId);
    for (const [r, v] of Object.entries(state.p)) out.signed.set(r, v);
    for (const [r, v] of Object.entries(state.n)) out.signed.set(r, (out.signed.get(r) ?? 0) - v);
    return out;
  }
}

function check(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`the amount must be a non-negative integer, got ${amount}`);
}

export class PNCounterNode extends ReferenceNode {
  protected override readonly Counter = PNCounter;
}
