/**
 * Placement (Dynamo §4.2), simplified to one token per node: the nodes sit on a ring in
 * "ring order", a key hashes to a position on it, and its preference list is every node
 * starting at that position and walking clockwise. The first N are the key's replicas; the
 * rest are the fallbacks a sloppy quorum uses, in order (§4.6).
 */
import type { NodeId } from "@faultline/sim";

/** 32-bit FNV-1a of a string, as an unsigned integer. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Ring order: shorter ids first, then string order ("n2" before "n10"). */
export function ringOrder(nodes: readonly NodeId[]): NodeId[] {
  return [...nodes].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
}

/** Every node, starting at ring position hashKey(key) mod (number of nodes). */
export function preferenceList(key: string, nodes: readonly NodeId[]): NodeId[] {
  const ring = ringOrder(nodes);
  const start = hashKey(key) % ring.length;
  return [...ring.slice(start), ...ring.slice(0, start)];
}
