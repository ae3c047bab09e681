import type { KeyDigest, NodeHash } from "../../reference/index.ts";
import { DEPTH, KvNode as Reference, childrenOf } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  protected override onSyncHashes(from: string, range: number, level: number, hashes: NodeHash[]): void {
    const tree = this.treeOf(range);
    if (!hashes.some(([i, h]) => tree.hash(level, i) !== h)) return;
    // Descends below every node it was sent, equal or not.
    const all = hashes.map(([i]) => i);
    if (level < DEPTH) {
      this.env.send(from, { type: "syncHashes", range, level: level + 1, hashes: all.flatMap(childrenOf).map((c): NodeHash => [c, tree.hash(level + 1, c)]) });
    } else {
      this.env.send(from, { type: "syncKeys", range, leaves: all.map((leaf): [number, KeyDigest[]] => [leaf, tree.keys(leaf)]) });
    }
  }
}
