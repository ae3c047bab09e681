import { HybridClock as ReferenceClock, HlcNode as ReferenceNode, MAX_OFFSET_MS, type Hlc } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class HybridClock extends ReferenceClock {
  override tick(pt: number): Hlc {
    this.l = Math.max(this.l, pt);
    this.c += 1;
    return this.current;
  }
}

/** The reference node, running the buggy clock. */
export class HlcNode extends ReferenceNode {
  protected override createClock(): HybridClock {
    return new HybridClock(MAX_OFFSET_MS);
  }
}
