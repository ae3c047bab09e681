/**
 * Storm limits of every Raft scenario. The reference's peak over every default seed is written
 * next to each bound (measured with `pnpm --filter @faultline/grader-raft bench`, which prints
 * both); a bound far above it only trips on a storm, such as a leader that answers each
 * AppendEntries reply with another AppendEntries.
 */
import type { StormLimits } from "@faultline/sim";

export const limits: StormLimits = {
  sendsPerNodePerSecond: 20_000, // reference peak 1,668 ("the log stays bounded over 2000 commands")
  timersPerNodePerSecond: 50_000, // reference peak 650; above the sends bound: a follower resets a timer per message it gets
  eventsPerSecond: 100_000, // reference peak 5,013
  heapSize: 50_000, // reference peak 382
};
