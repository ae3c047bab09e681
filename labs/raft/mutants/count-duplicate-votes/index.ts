import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { RequestVoteReply } from "../../reference/index.ts";
import type { NodeId } from "@faultline/sim";

/** Counts granted votes with a number instead of a set of voters, so a duplicated reply counts twice. */
export class RaftNode extends Reference {
  protected voteCount = 0;
  protected override becomeCandidate(): void {
    this.voteCount = 1;
    super.becomeCandidate();
  }
  protected override handleRequestVoteReply(_from: NodeId, m: RequestVoteReply): void {
    if (this.observeTerm(m.term)) return;
    if (this.state !== "candidate" || m.term !== this.term || !m.voteGranted) return;
    this.voteCount++;
    if (this.hasMajority(this.voteCount)) this.becomeLeader();
  }
}
