import { GCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounterNode extends ReferenceNode {
  protected override gossip(): void {
    const ring = [this.env.id, ...this.env.peers].sort();
    const next = ring[(ring.indexOf(this.env.id) + 1) % ring.length] as string;
    this.env.send(next, { type: "gossip", state: this.counter.toJSON() });
  }
}
