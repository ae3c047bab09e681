/**
 * Storm limits of every transactions scenario: far above what the reference does (a node ticks
 * every 100 ms and resends a few messages per transaction in flight), so they only trip on a storm.
 */
import type { StormLimits } from "@faultline/sim";

export const limits: StormLimits = {
  sendsPerNodePerSecond: 2_000,
  timersPerNodePerSecond: 1_000,
  eventsPerSecond: 30_000,
  heapSize: 5_000,
};
