import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { TimerTag } from "../../reference/index.ts";

/** A leader that steps down does not stop its heartbeat timer, so it keeps sending AppendEntries as a follower. */
export class RaftNode extends Reference {
  protected override cancelHeartbeat(): void {} // forgot to cancel it on stepping down
  override onTimer(tag: TimerTag): void {
    if (tag !== "heartbeat") return super.onTimer(tag);
    this.broadcastAppendEntries();
    this.heartbeatTimer = this.env.setTimer(this.heartbeatInterval(), "heartbeat");
    this.flush();
  }
}
