import { PNCounter as Reference, PNCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** A counter "cannot be negative": value() clamps P - N at zero, so extra decrements are invisible. */
export class PNCounter extends Reference {
  override value(): number {
    return Math.max(0, this.p.value() - this.n.value());
  }
}

export class PNCounterNode extends ReferenceNode {
  protected override readonly Counter = PNCounter;
}
