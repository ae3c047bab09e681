/** Reference solution of the transactions lab: the same exports as src/. */
export * from "../src/messages.ts";
export * from "../src/saga-messages.ts";
export * from "../src/outbox-messages.ts";
export * from "../src/choreo-messages.ts";
export { Coordinator } from "./coordinator.ts";
export { Participant } from "./participant.ts";
export { Orchestrator } from "./orchestrator.ts";
export { Service } from "./service.ts";
export { Producer } from "./producer.ts";
export { Consumer } from "./consumer.ts";
export { ChoreoService } from "./choreography.ts";
