import { DeltaGCounterNode as ReferenceNode, type GCounterState } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class DeltaGCounterNode extends ReferenceNode {
  protected override gossip(): void {
    const mine = this.counter.toJSON();
    for (const peer of this.env.peers) {
      const theirs = this.known.get(peer);
      const delta: GCounterState = {};
      for (const [r, v] of Object.entries(mine)) if (v > (theirs?.get(r) ?? 0)) delta[r] = v;
      // Sent every round, even when the peer is up to date and the delta is empty.
      this.env.send(peer, { type: "delta", state: delta });
    }
  }
}
