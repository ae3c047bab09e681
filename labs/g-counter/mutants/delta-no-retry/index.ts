import type { Env, NodeId } from "@faultline/sim";
import { DeltaGCounterNode as ReferenceNode, type GCounterState, type Msg, type Timer } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class DeltaGCounterNode extends ReferenceNode {
  private sent: GCounterState = {};

  override start(env: Env<Msg, Timer>): void {
    super.start(env);
    this.sent = {};
  }

  override onMessage(from: NodeId, msg: Msg): void {
    if (msg.type === "delta_ack") return;
    super.onMessage(from, msg);
  }

  protected override gossip(): void {
    const delta: GCounterState = {};
    for (const [r, v] of Object.entries(this.counter.toJSON())) if (v > (this.sent[r] ?? 0)) delta[r] = v;
    if (Object.keys(delta).length === 0) return;
    for (const peer of this.env.peers) this.env.send(peer, { type: "delta", state: delta });
    this.sent = { ...this.sent, ...delta };
  }
}
