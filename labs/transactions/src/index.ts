/**
 * The transactions lab: what you write. Part A is coordinator.ts and participant.ts (two-phase
 * commit with presumed abort); Part B adds recovery and the cooperative termination protocol to
 * the same two files. The README explains each part and how it is graded.
 */
export * from "./messages.ts";
export { Coordinator } from "./coordinator.ts";
export { Participant } from "./participant.ts";
