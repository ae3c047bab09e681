import { GCounter as Reference, GCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounter extends Reference {
  override merge(other: Reference): Reference {
    const winner = other.value() > this.value() ? other : this;
    return GCounter.fromJSON(this.replicaId, winner.toJSON());
  }
}

export class GCounterNode extends ReferenceNode {
  protected override readonly Counter = GCounter;
}
