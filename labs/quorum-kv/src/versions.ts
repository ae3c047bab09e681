/**
 * Ordering versions. Part A needs compareStamps; part C needs compareVectors and mergeVectors.
 */
import { NotImplemented } from "@faultline/sim";
import type { Order, Stamp, Version, VersionVector } from "./types.ts";

/**
 * Total order of stamps (Lamport 1978): compare `t`; if equal, compare `node` with plain string
 * order ("n1" < "n2"). Negative if a < b, 0 if equal, positive if a > b.
 * Every replica must order two stamps the same way, whatever order they arrived in.
 */
export function compareStamps(a: Stamp, b: Stamp): number {
  // TODO: order by t, then by node id.
  throw new NotImplemented("compareStamps");
}

/**
 * How version vector `a` relates to `b` (Dynamo §4.4). A missing entry counts as 0.
 * - "after": every entry of a >= b's and at least one is greater (a descends from b)
 * - "before": the reverse
 * - "equal": all entries equal
 * - "concurrent": a is greater somewhere and b is greater somewhere else
 * Look at the union of both key sets: {n1: 1} and {n2: 1} are concurrent.
 */
export function compareVectors(a: VersionVector, b: VersionVector): Order {
  // TODO: walk the union of the keys, note whether a or b is bigger somewhere.
  throw new NotImplemented("compareVectors");
}

/** Entry-wise maximum of two vectors, with keys in sorted order (so equal vectors serialize equally). */
export function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  // TODO: for every key of either vector take the larger count; insert keys sorted.
  throw new NotImplemented("mergeVectors");
}

/** A string that identifies one write: its stamp (lww, abd) or its vector (vv). Given. */
export function versionId(v: Version, byVector: boolean): string {
  if (!byVector) return `${v.stamp.t}@${v.stamp.node}`;
  return Object.keys(v.vv)
    .sort()
    .map((k) => `${k}:${v.vv[k]}`)
    .join(",");
}
