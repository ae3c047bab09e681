/** Mutation testing of a lab's reference with its grader as the test (`pnpm mutate <lab>`). */
export * from "./active-mutant.ts";
export * from "./first-failure.ts";
export * from "./fingerprint.ts";
export * from "./grade-service.ts";
export * from "./lock.ts";
export * from "./paths.ts";
export * from "./reference-guard.ts";
export * from "./summary.ts";
