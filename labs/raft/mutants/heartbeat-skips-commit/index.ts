import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { AppendEntries } from "../../reference/index.ts";
import type { NodeId } from "@faultline/sim";

/** A follower takes leaderCommit only from AppendEntries that carry entries, never from a heartbeat. */
export class RaftNode extends Reference {
  protected override handleAppendEntries(from: NodeId, m: AppendEntries): void {
    super.handleAppendEntries(from, m.entries.length === 0 ? { ...m, leaderCommit: 0 } : m);
  }
}
