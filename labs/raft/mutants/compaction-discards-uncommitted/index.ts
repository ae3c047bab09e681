import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Compaction discards the whole log, up to its last entry, instead of stopping at lastApplied. */
export class RaftNode extends Reference {
  protected override compactionPoint(): number {
    return this.lastLogIndex();
  }
}
