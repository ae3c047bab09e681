import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import { ELECTION_TIMEOUT_MAX_MS } from "../../reference/index.ts";

/** The leader runs its quorum timer but never acts on it. */
export class RaftNode extends Reference {
  protected override checkQuorum(): void {
    this.heardFrom.clear();
    this.electionTimer = this.env.setTimer(ELECTION_TIMEOUT_MAX_MS, "election");
  }
}
