import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class RaftNode extends Reference {
  protected override advanceFollowerCommit(leaderCommit: number, lastNewIndex: number): void {
    this.commit = Math.min(leaderCommit, lastNewIndex);
    this.applyCommitted();
  }
}
