/**
 * Storm limits of every Raft scenario. The reference's peak over every default seed is written
 * next to each bound (measured with `pnpm --filter @faultline/grader-raft bench`, which prints
 * both); a bound far above it only trips on a storm, such as a leader that answers each
 * AppendEntries reply with another AppendEntries.
 */
import type { StormLimits } from "@faultline/sim";

export const limits: StormLimits = {
  // 3x the reference's busiest test and 5x its next (~1,000: skewed clocks, churn); most tests
  // stay under 300. 20,000 let heartbeat-on-every-reply pass a third of the tests while storming
  // at up to 9,000 a second, and made its grade 1.8x slower than the reference's.
  sendsPerNodePerSecond: 5_000, // reference peak 1,668 ("the log stays bounded over 2000 commands")
  timersPerNodePerSecond: 20_000, // reference peak 650; above the sends bound: a follower resets a timer per message it gets
  eventsPerSecond: 100_000, // reference peak 5,013
  heapSize: 50_000, // reference peak 382
};
