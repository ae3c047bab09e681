/**
 * Storm limits of every g-counter scenario. The reference's peak over every default seed is written
 * next to each bound (`pnpm --filter @faultline/grader-g-counter bench` prints both); a bound far
 * above it only trips on a storm.
 */
import type { StormLimits } from "@faultline/sim";

export const limits: StormLimits = {
  sendsPerNodePerSecond: 5_000, // reference peak 64 ("delta-state gossip converges and sends less")
  timersPerNodePerSecond: 1_000, // reference peak 10
  eventsPerSecond: 30_000, // reference peak 369
  heapSize: 5_000, // reference peak 44
};
