import type { Entry, NodeHash } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  protected override onSyncHashes(from: string, range: number, level: number, hashes: NodeHash[]): void {
    const tree = this.treeOf(range);
    if (level !== 0 || hashes.every(([i, h]) => tree.hash(0, i) === h)) return;
    const entries: Entry[] = [];
    for (const [key, versions] of this.store) if (this.rangeOfKey(key) === range) entries.push({ key, versions });
    this.env.send(from, { type: "syncEntries", range, entries, want: [] });
  }
}
