import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { AppendEntriesReply } from "../../reference/index.ts";
import type { NodeId } from "@faultline/sim";

/** The leader answers every successful AppendEntriesReply with a new AppendEntries, even when the follower is up to date. */
export class RaftNode extends Reference {
  protected override handleAppendEntriesReply(from: NodeId, m: AppendEntriesReply): void {
    super.handleAppendEntriesReply(from, m);
    if (this.state === "leader" && m.success && m.term === this.term) this.sendAppendEntries(from);
  }
}
