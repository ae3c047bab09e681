/** Reference solution of the quorum-kv lab (same exports as src/). */
export * from "../src/types.ts";
export { compareStamps, compareVectors, mergeVectors, versionId } from "./versions.ts";
export { hashKey, ringOrder, preferenceList } from "./ring.ts";
export { KvNode, type Phase } from "./node.ts";
