import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { LogEntry } from "../../reference/index.ts";

export class RaftNode extends Reference {
  protected override storeEntries(prevLogIndex: number, entries: readonly LogEntry[]): void {
    if (this.lastLogIndex() > prevLogIndex) this.truncateFrom(prevLogIndex + 1);
    for (const e of entries) this.appendEntry(e);
  }
}
