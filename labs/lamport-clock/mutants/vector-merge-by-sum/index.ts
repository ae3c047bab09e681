import type { NodeId } from "@faultline/sim";
import { VectorNode as ReferenceNode, vcIncrement, type VectorClock, type VectorMsg } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export function vcMerge(a: VectorClock, b: VectorClock): VectorClock {
  const out: Record<NodeId, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** The reference node, merging with the buggy merge. */
export class VectorNode extends ReferenceNode {
  override onMessage(from: NodeId, msg: VectorMsg): void {
    this.clock = vcIncrement(vcMerge(this.clock, msg.clock), this.env.id);
    this.record(`receive from ${from}`);
  }
}
