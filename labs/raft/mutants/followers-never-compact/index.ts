import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Only the leader checks the snapshot threshold; followers keep every entry. */
export class RaftNode extends Reference {
  protected override maybeCompact(): void {
    if (this.state === "leader") super.maybeCompact();
  }
}
