import type { NodeId } from "@faultline/sim";
import type { Stamp } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export function compareNodeIds(a: NodeId, b: NodeId): number {
  return a.localeCompare(b);
}

export function compareStamps(a: Stamp, b: Stamp): number {
  return a.time !== b.time ? a.time - b.time : compareNodeIds(a.node, b.node);
}
