import { DeltaGCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class DeltaGCounterNode extends ReferenceNode {
  protected override gossip(): void {
    const state = this.counter.toJSON();
    for (const peer of this.env.peers) this.env.send(peer, { type: "delta", state });
  }
}
