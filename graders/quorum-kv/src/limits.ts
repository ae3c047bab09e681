/**
 * Storm limits of every quorum-kv scenario. The reference's peak over every default seed is written
 * next to each bound (`pnpm --filter @faultline/grader-quorum-kv bench` prints both); a bound far
 * above it only trips on a storm.
 */
import type { StormLimits } from "@faultline/sim";

export const limits: StormLimits = {
  sendsPerNodePerSecond: 20_000, // reference peak 960 ("anti-entropy moves only what differs")
  timersPerNodePerSecond: 20_000, // reference peak 295
  eventsPerSecond: 100_000, // reference peak 4,108
  heapSize: 20_000, // reference peak 268
};
