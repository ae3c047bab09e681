/**
 * Reference Merkle tree of one key range (Dynamo §4.7, Merkle 1987): leaves hold key digests,
 * inner nodes hash their children; a write invalidates one leaf-to-root path and `hash`
 * recomputes only invalidated nodes.
 */
import { DEPTH, FANOUT, LEAVES, MerkleTree as Given, childrenOf, digestOf, hashText, leafOf } from "../src/merkle.ts";

export { DEPTH, FANOUT, LEAVES, childrenOf, digestOf, hashText, leafOf }; // given in the stub

export class MerkleTree extends Given {
  override set(key: string, digest: number | undefined): void {
    let index = leafOf(key);
    const leaf = this.leaves[index] as Map<string, number>;
    if (digest === undefined) leaf.delete(key);
    else leaf.set(key, digest);
    for (let level = DEPTH; level >= 0; level--) {
      (this.cache[level] as Array<number | undefined>)[index] = undefined;
      index = Math.floor(index / FANOUT);
    }
  }

  override hash(level: number, index: number): number {
    const row = this.cache[level] as Array<number | undefined>;
    const cached = row[index];
    if (cached !== undefined) return cached;
    const h =
      level === DEPTH
        ? hashText(
            this.keys(index)
              .map(([k, d]) => `${k}=${d}`)
              .join("\n"),
          )
        : hashText(
            childrenOf(index)
              .map((c) => this.hash(level + 1, c))
              .join(","),
          );
    row[index] = h;
    return h;
  }
}
