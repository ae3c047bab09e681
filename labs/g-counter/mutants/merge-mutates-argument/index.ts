import { GCounter as Reference, GCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounter extends Reference {
  override merge(other: Reference): Reference {
    const acc = other as GCounter;
    for (const [r, v] of Object.entries(this.toJSON())) acc.counts.set(r, Math.max(v, acc.get(r)));
    return GCounter.fromJSON(this.replicaId, acc.toJSON());
  }
}

export class GCounterNode extends ReferenceNode {
  protected override readonly Counter = GCounter;
}
