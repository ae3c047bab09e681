/**
 * Grader of the transactions lab. Part A checks two-phase commit against the history on the
 * wire and the participants' records: atomicity, commits only after every yes, yes voters that
 * wait, decisions that survive crashes of the coordinator and of participants at every step, and
 * presumed abort. Part B crashes the coordinator after the prepares: the participants must block,
 * then learn the decision from the restarted coordinator or from each other. Part C runs orders as
 * sagas under crashes: each ends fully done or fully compensated, each step and compensation takes
 * effect once. Part D checks the transactional outbox: no event lost across a crash between commit
 * and publish, no effect applied twice. Part E (bonus, on top of the 100) runs the saga by
 * choreography, with Part C's rules.
 */
import { defineLab } from "@faultline/grading";
import { limits } from "./limits.ts";
import type { L } from "./props.ts";
import { partA } from "./part-a.ts";
import { partB } from "./part-b.ts";
import { partC } from "./part-c.ts";
import { partD } from "./part-d.ts";
import { partE } from "./part-e.ts";

export const lab = defineLab<L>({
  lab: "transactions",
  title: "Transactions: two-phase commit, blocking in doubt, sagas and the outbox",
  parts: {
    A: "Two-phase commit",
    B: "Blocking, and recovery",
    C: "A saga with compensations",
    D: "The transactional outbox",
    E: "The saga by choreography (bonus)",
  },
  scenarios: [...partA, ...partB, ...partC, ...partD, ...partE],
  limits,
});
