import { HybridClock as ReferenceClock, HlcNode as ReferenceNode, MAX_OFFSET_MS, type Hlc } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class HybridClock extends ReferenceClock {
  override receive(remote: Hlc, pt: number): Hlc | null {
    return super.receive(remote, Math.max(pt, remote.l - this.maxOffsetMs));
  }
}

/** The reference node, running the buggy clock. */
export class HlcNode extends ReferenceNode {
  protected override createClock(): HybridClock {
    return new HybridClock(MAX_OFFSET_MS);
  }
}
