/**
 * Reference G-Counter: one entry per replica, increments to the own entry only, merge by
 * entry-wise maximum (the join of the entry-wise order).
 */
import { GCounter as GivenCounter } from "../src/gcounter.ts";
import type { GCounterState, ReplicaId } from "../src/messages.ts";

/** Throws unless `amount` is a non-negative safe integer. */
export function checkAmount(amount: unknown, what: string): asserts amount is number {
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`${what}: the amount must be a non-negative integer, got ${String(amount)}`);
  }
}

/** The given counter (its replica id, entries and constructor) with every operation written. */
export class GCounter extends GivenCounter {
  override increment(amount = 1): void {
    checkAmount(amount, "GCounter.increment");
    if (amount === 0) return;
    this.counts.set(this.replicaId, this.get(this.replicaId) + amount);
  }

  override get(replica: ReplicaId): number {
    return this.counts.get(replica) ?? 0;
  }

  override value(): number {
    let sum = 0;
    for (const v of this.counts.values()) sum += v;
    return sum;
  }

  override merge(other: GCounter): GCounter {
    const out = new GCounter(this.replicaId);
    for (const [r, v] of this.counts) out.counts.set(r, v);
    for (const [r, v] of other.counts) out.counts.set(r, Math.max(out.get(r), v));
    return out;
  }

  override toJSON(): GCounterState {
    const state: GCounterState = {};
    for (const r of [...this.counts.keys()].sort()) state[r] = this.counts.get(r) as number;
    return state;
  }

  static override fromJSON(replicaId: ReplicaId, state: GCounterState): GCounter {
    if (typeof state !== "object" || state === null || Array.isArray(state)) {
      throw new TypeError(
        `GCounter.fromJSON: the state must be an object of replica entries, got ${JSON.stringify(state)}`,
      );
    }
    const out = new GCounter(replicaId);
    for (const [r, v] of Object.entries(state)) {
      checkAmount(v, `GCounter.fromJSON: entry "${r}"`);
      if (v > 0) out.counts.set(r, v);
    }
    return out;
  }
}
