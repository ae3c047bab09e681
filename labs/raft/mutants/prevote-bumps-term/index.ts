import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** A pre-candidate increments its real term before asking, as a candidate would. */
export class RaftNode extends Reference {
  protected override startPreVote(): void {
    this.term += 1;
    this.vote = null;
    this.saveMeta();
    super.startPreVote();
  }
}
