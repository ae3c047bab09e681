/**
 * Grader of the transactions lab. Part A checks two-phase commit against the history on the
 * wire and the participants' records: atomicity, commits only after every yes, yes voters that
 * wait, decisions that survive crashes of the coordinator and of participants at every step, and
 * presumed abort. Part B crashes the coordinator after the prepares: the participants must block,
 * then learn the decision from the restarted coordinator or from each other.
 */
import { defineLab } from "@faultline/grading";
import { limits } from "./limits.ts";
import type { L } from "./props.ts";
import { partA } from "./part-a.ts";
import { partB } from "./part-b.ts";

export const lab = defineLab<L>({
  lab: "transactions",
  title: "Transactions: two-phase commit, blocking in doubt, and recovery",
  parts: {
    A: "Two-phase commit",
    B: "Blocking, and recovery",
  },
  scenarios: [...partA, ...partB],
  limits,
});
