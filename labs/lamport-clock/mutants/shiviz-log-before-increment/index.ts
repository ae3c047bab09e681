import type { NodeId } from "@faultline/sim";
import { VectorNode as ReferenceNode, vcIncrement } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class VectorNode extends ReferenceNode {
  override sendTo(peer: NodeId): void {
    this.record(`send to ${peer}`);
    this.clock = vcIncrement(this.clock, this.env.id);
    this.env.send(peer, { type: "hello", clock: this.clock });
  }
}
