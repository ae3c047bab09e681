/**
 * The lamport-clock lab: the reference solution (same exports as src/).
 */
export * from "../src/workload.ts";
export * from "./lamport.ts";
export * from "./vector.ts";
export * from "./chat.ts";
export * from "./hlc.ts";
