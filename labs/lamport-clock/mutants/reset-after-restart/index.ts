import { LamportClock, LamportNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class LamportNode extends ReferenceNode {
  protected override restore(): LamportClock {
    return new LamportClock();
  }
}
