import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import { ELECTION_TIMEOUT_MIN_MS } from "../../reference/index.ts";

export class RaftNode extends Reference {
  protected override electionTimeout(): number {
    return ELECTION_TIMEOUT_MIN_MS;
  }
}
