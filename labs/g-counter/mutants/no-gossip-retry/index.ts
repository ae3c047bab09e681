import type { Env, NodeId } from "@faultline/sim";
import { GCounterNode as ReferenceNode, type AddRequest, type Msg, type Timer } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounterNode extends ReferenceNode {
  override start(env: Env<Msg, Timer>): void {
    this.env = env;
    this.counter = this.restore();
  }

  protected override add(from: NodeId, msg: AddRequest): void {
    super.add(from, msg);
    this.gossip();
  }
}
