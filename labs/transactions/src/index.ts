/**
 * The transactions lab: what you write. Part A is coordinator.ts and participant.ts (two-phase
 * commit with presumed abort); Part B adds recovery and the cooperative termination protocol to
 * the same two files. Part C is orchestrator.ts and service.ts (a saga with compensations);
 * Part D is producer.ts and consumer.ts (the transactional outbox and idempotent consumers). The
 * README explains each part and how it is graded.
 */
export * from "./messages.ts";
export * from "./saga-messages.ts";
export * from "./outbox-messages.ts";
export * from "./choreo-messages.ts";
export { Coordinator } from "./coordinator.ts";
export { Participant } from "./participant.ts";
export { Orchestrator } from "./orchestrator.ts";
export { Service } from "./service.ts";
export { Producer } from "./producer.ts";
export { Consumer } from "./consumer.ts";
export { ChoreoService } from "./choreography.ts";
