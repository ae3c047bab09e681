import type { NodeId } from "@faultline/sim";
import type { VectorClock } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** The description is copied as it is: a line break in it splits the entry for ShiViz. */
export function formatShiVizEntry(host: NodeId, clock: VectorClock, description: string): string {
  return `${host} ${JSON.stringify(clock)}\n${description}`;
}
