import { GCounter as Reference, GCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounter extends Reference {
  override value(): number {
    return this.get(this.replicaId);
  }
}

export class GCounterNode extends ReferenceNode {
  protected override readonly Counter = GCounter;
}
