import { GCounter as Reference, GCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounter extends Reference {
  override increment(amount = 1): void {
    // "Positive" instead of "non-negative": 0 is refused.
    if (amount <= 0) throw new RangeError(`GCounter.increment: the amount must be positive, got ${amount}`);
    super.increment(amount);
  }
}

export class GCounterNode extends ReferenceNode {
  protected override readonly Counter = GCounter;
}
