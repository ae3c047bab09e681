import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class RaftNode extends Reference {
  protected override observeTerm(term: number): boolean {
    if (this.state === "candidate" && term > this.term) {
      this.term = term;
      this.vote = null;
      this.saveMeta();
      return false;
    }
    return super.observeTerm(term);
  }
}
