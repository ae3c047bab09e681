/** Reference solution of the quorum-kv lab (same exports as src/). */
export * from "../src/types.ts";
export { compareStamps, compareVectors, mergeVectors, versionId } from "./versions.ts";
export { hashKey, ringOrder, preferenceList, rangeOf, rangeReplicas } from "./ring.ts";
export { DEPTH, FANOUT, LEAVES, MerkleTree, childrenOf, digestOf, hashText, leafOf } from "./merkle.ts";
export { KvNode, type Phase } from "./node.ts";
