import { ChatNode as ReferenceNode, compareStamps, type Stamp } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class ChatNode extends ReferenceNode {
  protected override canDeliver(stamp: Stamp): boolean {
    for (const s of this.heard.values()) if (compareStamps(s, stamp) >= 0) return true;
    return false;
  }
}
