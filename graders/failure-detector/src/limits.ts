/**
 * Storm limits of every failure-detector scenario: far above what a detector needs (a heartbeat
 * to each peer every 200 ms, a check every 50 ms), so they only trip on a storm.
 */
import type { StormLimits } from "@faultline/sim";

export const limits: StormLimits = {
  sendsPerNodePerSecond: 2_000,
  timersPerNodePerSecond: 1_000,
  eventsPerSecond: 20_000,
  heapSize: 5_000,
};
