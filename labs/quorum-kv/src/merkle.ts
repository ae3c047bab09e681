/**
 * Part E (bonus): a Merkle tree over one key range, for anti-entropy (Dynamo §4.7).
 *
 * Merkle (CRYPTO 1987) hashed a list of values into a tree: each leaf hashes its values, each
 * inner node hashes its children's hashes, so two trees with the same root hash hold the same
 * data, and where they differ the differing hashes lead straight to the differing leaves.
 * Dynamo keeps one tree per key range a node replicates; two replicas of a range compare roots,
 * then only the children of nodes that differ, down to the leaves, and transfer only the keys
 * found there. Work and traffic grow with the number of differences times the tree's height,
 * not with the number of keys.
 *
 * Shape (fixed, so every replica's trees line up): a complete tree of FANOUT^DEPTH leaves.
 * Level 0 is the root (one node, index 0); level l has FANOUT^l nodes, indexed left to right;
 * the children of node i of level l are nodes i*FANOUT .. i*FANOUT+FANOUT-1 of level l+1.
 * A key always sits in leaf `leafOf(key)` of level DEPTH, with the digest of its versions.
 *
 * Write `set` and `hash`; the rest is given.
 */
import { NotImplemented } from "@faultline/sim";
import type { KeyDigest, Version } from "./types.ts";
import { hashKey } from "./ring.ts";

/** Children per inner node. */
export const FANOUT = 4;
/** Levels below the root: leaves are at level DEPTH. */
export const DEPTH = 4;
/** Leaves per tree: FANOUT^DEPTH = 256. */
export const LEAVES = FANOUT ** DEPTH;

/** 32-bit FNV-1a of a text, the hash of every tree node. Given. */
export const hashText = hashKey;

/** The leaf a key belongs to: the top bits of a multiplicative hash of it. Given. */
export function leafOf(key: string): number {
  return (Math.imul(hashKey(key), 0x9e3779b1) >>> 0) % LEAVES;
}

/** Node indices of level+1 below node `index`. Given. */
export function childrenOf(index: number): number[] {
  return Array.from({ length: FANOUT }, (_, i) => index * FANOUT + i);
}

/**
 * The digest of what a replica stores for a key: one hash over the key and every version
 * (stamp, vector and value; a tombstone is a version too), independent of the order the
 * versions are listed in. Two replicas holding the same versions get the same digest. Given.
 */
export function digestOf(key: string, versions: readonly Version[]): number {
  const parts = versions.map((v) => {
    const vv = Object.keys(v.vv)
      .sort()
      .map((k) => `${k}:${v.vv[k]}`)
      .join(",");
    return `${v.stamp.t}@${v.stamp.node}|${vv}|${v.value === null ? "~" : JSON.stringify(v.value)}`;
  });
  return hashText(`${key}\n${parts.sort().join("\n")}`);
}

/**
 * One key range's tree, maintained incrementally: `set` changes one leaf and forgets the
 * cached hashes on its path to the root (DEPTH+1 nodes); `hash` recomputes only those, when
 * asked. So a write costs O(DEPTH) and an exchange reads cached hashes.
 */
export class MerkleTree {
  /** Leaf -> key -> digest. */
  protected readonly leaves: Array<Map<string, number>> = Array.from({ length: LEAVES }, () => new Map());
  /** Level -> index -> cached hash, `undefined` when it must be recomputed. */
  protected readonly cache: Array<Array<number | undefined>> = Array.from({ length: DEPTH + 1 }, (_, l) =>
    new Array<number | undefined>(FANOUT ** l).fill(undefined),
  );

  /** The keys of a leaf and their digests, sorted by key (what a `syncKeys` message carries). Given. */
  keys(leaf: number): KeyDigest[] {
    return [...(this.leaves[leaf] ?? new Map<string, number>()).entries()].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
  }

  /** The digest of `key` in this tree, if it holds the key. Given. */
  digest(key: string): number | undefined {
    return this.leaves[leafOf(key)]?.get(key);
  }

  /**
   * Record the digest of `key` (undefined: the key is gone from this tree) and invalidate the
   * cached hash of its leaf and of every ancestor up to the root.
   */
  set(key: string, digest: number | undefined): void {
    // TODO (Part E): put (or delete) the key in this.leaves[leafOf(key)], then walk up from that leaf (index = floor(index / FANOUT) per level) setting this.cache[level][index] = undefined down to level 0.
    throw new NotImplemented("MerkleTree.set");
  }

  /**
   * The hash of node `index` of `level`: at level DEPTH, hashText of the leaf's sorted
   * "key=digest" lines; above, hashText of its children's hashes joined with ",". Uses the
   * cache and fills it. An empty leaf hashes like any other, so equal trees have equal hashes.
   */
  hash(level: number, index: number): number {
    // TODO (Part E): return the cached hash if there is one; else compute it as above (recursing into childrenOf(index) at level + 1), store it in this.cache[level][index], return it.
    throw new NotImplemented("MerkleTree.hash");
  }
}
