import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { Snapshot } from "../../reference/index.ts";

/** Rule 6 of Figure 13 without the term: a log long enough keeps whatever follows the snapshot. */
export class RaftNode extends Reference {
  protected override holdsLastIncluded(s: Snapshot): boolean {
    return s.lastIncludedIndex <= this.lastLogIndex();
  }
}
