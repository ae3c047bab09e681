import { GCounter as Reference, GCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounter extends Reference {
  override increment(amount = 1): void {
    if (!Number.isSafeInteger(amount)) throw new RangeError(`GCounter.increment: the amount must be an integer, got ${amount}`);
    this.counts.set(this.replicaId, this.get(this.replicaId) + amount);
  }
}

export class GCounterNode extends ReferenceNode {
  protected override readonly Counter = GCounter;
}
