import { GCounterNode as ReferenceNode, type GCounter } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounterNode extends ReferenceNode {
  protected override restore(): GCounter {
    return new this.Counter(this.env.id);
  }
}
