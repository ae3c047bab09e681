import { ChatNode as ReferenceNode, type ChatMsg } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class ChatNode extends ReferenceNode {
  override onMessage(from: string, msg: ChatMsg): void {
    // Acknowledgements are read for their timestamp only: nothing ever leaves `unacked`, so
    // every link message is resent every RETRANSMIT_MS forever.
    if (msg.type === "link-ack") {
      this.clock.receive(msg.ts);
      return;
    }
    super.onMessage(from, msg);
  }
}
