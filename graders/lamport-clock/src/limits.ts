/**
 * Storm limits of every lamport-clock scenario. The reference's peak over every default seed is written
 * next to each bound (`pnpm --filter @faultline/grader-lamport-clock bench` prints both); a bound far
 * above it only trips on a storm.
 */
import type { StormLimits } from "@faultline/sim";

export const limits: StormLimits = {
  sendsPerNodePerSecond: 20_000, // reference peak 491 ("group chat: no answer before its question")
  timersPerNodePerSecond: 10_000, // reference peak 152
  eventsPerSecond: 100_000, // reference peak 2,875
  heapSize: 20_000, // reference peak 237
};
