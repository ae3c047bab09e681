/** Reference solution of the transactions lab: the same exports as src/. */
export * from "../src/messages.ts";
export { Coordinator } from "./coordinator.ts";
export { Participant } from "./participant.ts";
