import { ChatNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class ChatNode extends ReferenceNode {
  override onTimer(_tag: string): void {}
}
