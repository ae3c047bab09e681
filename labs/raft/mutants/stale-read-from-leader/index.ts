import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { ClientRequest } from "../../reference/index.ts";
import type { NodeId } from "@faultline/sim";

export class RaftNode extends Reference {
  protected override handleClientRequest(from: NodeId, m: ClientRequest): void {
    if (this.state === "leader" && (m.op.op === "get" || m.op.op === "read")) {
      const result = m.op.op === "get" ? this.machine.get(m.op.key) : this.machine.counter;
      this.send(from, { type: "ClientReply", clientId: m.clientId, seq: m.seq, status: "ok", result });
      return;
    }
    super.handleClientRequest(from, m);
  }
}
