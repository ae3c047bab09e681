import { DEPTH, FANOUT, MerkleTree as ReferenceTree, KvNode as Reference, leafOf } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Invalidates the cached hashes of a leaf's path up to level 1 but not the root's. */
class StaleRootTree extends ReferenceTree {
  override set(key: string, digest: number | undefined): void {
    let index = leafOf(key);
    const leaf = this.leaves[index] as Map<string, number>;
    if (digest === undefined) leaf.delete(key);
    else leaf.set(key, digest);
    for (let level = DEPTH; level > 0; level--) {
      (this.cache[level] as Array<number | undefined>)[index] = undefined;
      index = Math.floor(index / FANOUT);
    }
  }
}

export class KvNode extends Reference {
  protected override treeOf(range: number): StaleRootTree {
    let tree = this.trees.get(range);
    if (!tree) this.trees.set(range, (tree = new StaleRootTree()));
    return tree;
  }
}
