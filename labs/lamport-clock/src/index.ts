/**
 * The lamport-clock lab: what you write. Start with part A (lamport.ts), then B (vector.ts),
 * C (chat.ts) and D (hlc.ts). The README explains each part and how it is graded.
 */
export * from "./workload.ts";
export * from "./lamport.ts";
export * from "./vector.ts";
export * from "./chat.ts";
export * from "./hlc.ts";
