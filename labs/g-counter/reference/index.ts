/** Reference solution of the g-counter lab: the same exports as src/. */
export * from "../src/messages.ts";
export { GCounter } from "./gcounter.ts";
export { PNCounter } from "./pncounter.ts";
export { DeltaGCounterNode, GCounterNode, PNCounterNode } from "./node.ts";
