import { GCounter as Reference, GCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounter extends Reference {
  override merge(other: Reference): Reference {
    const out = this.empty(this.replicaId) as GCounter;
    const replicas = new Set([...Object.keys(this.toJSON()), ...Object.keys(other.toJSON())]);
    for (const r of replicas) out.counts.set(r, this.get(r) + other.get(r));
    return out;
  }
}

export class GCounterNode extends ReferenceNode {
  protected override readonly Counter = GCounter;
}
