/**
 * The g-counter lab: state-based CRDT counters that converge over a hostile network.
 * See README.md for the parts, the points and how to run the grader.
 */
export * from "./messages.ts";
export { GCounter } from "./gcounter.ts";
export { PNCounter } from "./pncounter.ts";
export { DeltaGCounterNode, GCounterNode, PNCounterNode } from "./node.ts";
