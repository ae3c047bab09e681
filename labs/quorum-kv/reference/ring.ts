/**
 * Placement (Dynamo §4.2), simplified to one token per node: the nodes sit on a ring in
 * "ring order", a key hashes to a position on it, and its preference list is every node
 * starting at that position and walking clockwise. The first N are the key's replicas; the
 * rest are the fallbacks a sloppy quorum uses, in order (§4.6).
 */
import type { NodeId } from "@faultline/sim";
import { hashKey, rangeOf, ringOrder } from "../src/ring.ts";

export { hashKey, rangeOf, ringOrder }; // given in the stub

/** The nodes of the ring, starting at `position` and wrapping around. */
function ringFrom(position: number, nodes: readonly NodeId[]): NodeId[] {
  const ring = ringOrder(nodes);
  const start = position % ring.length;
  return [...ring.slice(start), ...ring.slice(0, start)];
}

/** Every node, starting at ring position hashKey(key) mod (number of nodes). */
export function preferenceList(key: string, nodes: readonly NodeId[]): NodeId[] {
  return ringFrom(hashKey(key), nodes);
}

/** The n replicas of a key range: the ring from the range's position (part E). */
export function rangeReplicas(range: number, nodes: readonly NodeId[], n: number): NodeId[] {
  return ringFrom(range, nodes).slice(0, n);
}
