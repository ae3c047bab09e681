import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { LogEntry, OpResult } from "../../reference/index.ts";

/** The leader applies all newly committed entries first and then answers each waiting client from the state machine's current state. */
export class RaftNode extends Reference {
  protected override applyCommitted(): void {
    const from = this.applied;
    while (this.applied < this.commit) {
      this.applied++;
      this.machine.apply((this.entries[this.applied - 1] as LogEntry).command);
    }
    for (let i = from + 1; i <= this.applied; i++) {
      const cmd = (this.entries[i - 1] as LogEntry).command;
      const key = `${cmd.clientId}/${cmd.seq}`;
      const to = this.waiting.get(key);
      if (to === undefined) continue;
      this.waiting.delete(key);
      let result: OpResult = null;
      if (cmd.op.op === "incr" || cmd.op.op === "read") result = this.machine.counter;
      else if (cmd.op.op === "get") result = this.machine.get(cmd.op.key);
      this.send(to, { type: "ClientReply", clientId: cmd.clientId, seq: cmd.seq, status: "ok", result });
    }
  }
}
