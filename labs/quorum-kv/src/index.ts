/**
 * The quorum-kv lab: a Dynamo-style leaderless key-value store. Start with types.ts, then
 * ring.ts and versions.ts, then node.ts. The README lists the parts and what each test checks.
 */
export * from "./types.ts";
export { compareStamps, compareVectors, mergeVectors, versionId } from "./versions.ts";
export { hashKey, ringOrder, preferenceList, rangeOf, rangeReplicas } from "./ring.ts";
export { DEPTH, FANOUT, LEAVES, MerkleTree, childrenOf, digestOf, hashText, leafOf } from "./merkle.ts";
export { KvNode, type Phase } from "./node.ts";
