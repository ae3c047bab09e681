import { GCounter as Reference, GCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounter extends Reference {
  override merge(other: Reference): Reference {
    const out = this.empty(this.replicaId) as GCounter;
    for (const [r, v] of Object.entries(this.toJSON())) out.counts.set(r, Math.max(v, other.get(r)));
    return out;
  }
}

export class GCounterNode extends ReferenceNode {
  protected override readonly Counter = GCounter;
}
