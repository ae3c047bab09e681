/**
 * Storm limits of every lease-lock scenario: far above what the reference does (a client ticks
 * every 100 ms and sends one or two messages per tick), so they only trip on a storm.
 */
import type { StormLimits } from "@faultline/sim";

export const limits: StormLimits = {
  sendsPerNodePerSecond: 2_000,
  timersPerNodePerSecond: 1_000,
  eventsPerSecond: 30_000,
  heapSize: 5_000,
};
