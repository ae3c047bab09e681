import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { LogEntry } from "../../reference/index.ts";

/** A follower appends only entries past the end of its log and keeps existing ones even when their term conflicts. */
export class RaftNode extends Reference {
  protected override storeEntries(prevLogIndex: number, entries: readonly LogEntry[]): void {
    for (let i = 0; i < entries.length; i++) {
      if (prevLogIndex + 1 + i <= this.lastLogIndex()) continue;
      this.appendEntry(entries[i] as LogEntry);
    }
  }
}
