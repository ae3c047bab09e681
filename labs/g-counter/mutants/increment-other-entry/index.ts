import { GCounter as Reference, GCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounter extends Reference {
  override merge(other: Reference): Reference {
    return GCounter.fromJSON(other.replicaId, super.merge(other).toJSON());
  }
}

export class GCounterNode extends ReferenceNode {
  protected override readonly Counter = GCounter;
}
