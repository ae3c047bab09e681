import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { AppendEntriesReply } from "../../reference/index.ts";
import type { NodeId } from "@faultline/sim";

/** The leader counts successful replies per index instead of distinct followers, so one follower's repeated replies make a "majority". */
export class RaftNode extends Reference {
  protected acks = new Map<number, number>();
  protected override becomeLeader(): void {
    this.acks = new Map();
    super.becomeLeader();
  }
  protected override handleAppendEntriesReply(from: NodeId, m: AppendEntriesReply): void {
    if (this.state === "leader" && m.term === this.term && m.success && m.matchIndex > this.commit) {
      this.acks.set(m.matchIndex, (this.acks.get(m.matchIndex) ?? 0) + 1);
      let count = 1; // the leader itself
      for (const [index, replies] of this.acks) if (index >= m.matchIndex) count += replies;
      if (this.hasMajority(count) && this.canCommitByCounting(m.matchIndex)) {
        this.commit = m.matchIndex;
        this.applyCommitted();
      }
    }
    super.handleAppendEntriesReply(from, m);
  }
}
