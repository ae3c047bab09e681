/**
 * Placement (Dynamo §4.2), simplified to one token per node: nodes sit on a ring in "ring
 * order", a key hashes to a position, and its preference list is every node starting at that
 * position, walking clockwise. The first N are the key's replicas; the rest are the fallbacks
 * a sloppy quorum uses, in order (§4.6). The grader computes the same list.
 */
import { NotImplemented, type NodeId } from "@faultline/sim";

/** 32-bit FNV-1a of a string, as an unsigned integer. Given. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Ring order: shorter ids first, then string order ("n2" before "n10"). Given. */
export function ringOrder(nodes: readonly NodeId[]): NodeId[] {
  return [...nodes].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Every node of `nodes`, starting at ring position hashKey(key) mod (number of nodes) of
 * ringOrder(nodes) and wrapping around. Example: ring [n1..n5], hash % 5 = 3 gives
 * [n4, n5, n1, n2, n3]; with N=3 the replicas are n4, n5, n1.
 */
export function preferenceList(key: string, nodes: readonly NodeId[]): NodeId[] {
  // TODO: rotate ringOrder(nodes) so it starts at hashKey(key) % nodes.length.
  throw new NotImplemented("preferenceList");
}

/**
 * Part E: the key range `key` falls in, numbered by ring position: hashKey(key) mod (number of
 * nodes), the position of its first replica. Keys of one range have the same replicas, so two
 * replicas compare one Merkle tree per range they share (Dynamo §4.7). Given.
 */
export function rangeOf(key: string, nodes: readonly NodeId[]): number {
  return hashKey(key) % nodes.length;
}

/**
 * Part E: the N replicas of range `range`: the first n nodes of ringOrder(nodes) starting at
 * position `range` and wrapping around (the first n of the preference list of any key in it).
 */
export function rangeReplicas(range: number, nodes: readonly NodeId[], n: number): NodeId[] {
  // TODO (Part E): rotate ringOrder(nodes) to start at position `range` and keep the first n.
  throw new NotImplemented("rangeReplicas");
}
