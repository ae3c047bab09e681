/**
 * Ordering versions: Lamport-style stamps (lww, abd) and version vectors (vv).
 * Pure functions; the given plumbing (src/plumbing.ts) orders versions with them.
 */
import type { Order, Stamp, VersionVector } from "../src/types.ts";

/** Total order of stamps: by clock reading, then by node id (plain string order). */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.t !== b.t) return a.t < b.t ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

/** How `a` relates to `b`: a missing entry counts as 0. */
export function compareVectors(a: VersionVector, b: VersionVector): Order {
  let aBigger = false;
  let bBigger = false;
  for (const id of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[id] ?? 0;
    const y = b[id] ?? 0;
    if (x > y) aBigger = true;
    if (y > x) bBigger = true;
  }
  if (aBigger && bBigger) return "concurrent";
  if (aBigger) return "after";
  if (bBigger) return "before";
  return "equal";
}

/** Entry-wise maximum, keys sorted so equal vectors serialize equally. */
export function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  const out: VersionVector = {};
  for (const id of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
    out[id] = Math.max(a[id] ?? 0, b[id] ?? 0);
  return out;
}

export { versionId } from "../src/versions.ts"; // given in the stub
