import type { NodeId } from "@faultline/sim";
import { ChatNode as ReferenceNode, type ChatBody } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class ChatNode extends ReferenceNode {
  protected override handleBody(from: NodeId, body: ChatBody): void {
    this.heard.set(from, { time: body.ts, node: from });
    if (body.kind === "chat") {
      this.queue.push({ ts: body.ts, from, text: body.text });
      this.broadcast({ kind: "ack", ts: this.clock.send() });
    }
  }
}
