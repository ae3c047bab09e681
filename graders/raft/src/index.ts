/**
 * Grader of the Raft lab. Parts: A leader election, B log replication, C persistence,
 * D the replicated service; E (ungraded) runs the same node as real processes under a
 * leader-kill chaos drill; F (bonus points, not in the 100) grades the stretch features:
 * PreVote, CheckQuorum and snapshots. Every simulated scenario checks the safety invariants of Figure 3
 * after every step (see cluster.ts) and its own liveness and client-visible properties.
 */
import { defineLab } from "@faultline/grading";
import type { RaftLab } from "./cluster.ts";
import { partA } from "./part-a.ts";
import { searchScenarios, searchScenariosB } from "./search.ts";
import { partB } from "./part-b.ts";
import { partC } from "./part-c.ts";
import { partD } from "./part-d.ts";
import { partE } from "./part-e.ts";
import { partF } from "./part-f.ts";
import { limits } from "./limits.ts";

export const lab = defineLab<RaftLab>({
  lab: "raft",
  title: "Raft: consensus under partitions, crashes, pauses and skewed clocks",
  parts: {
    A: "Leader election",
    B: "Log replication",
    C: "Persistence",
    D: "Replicated service",
    E: "Real processes (ungraded)",
    F: "Stretch (bonus)",
  },
  scenarios: [...partA, ...searchScenarios, ...partB, ...searchScenariosB, ...partC, ...partD, ...partE, ...partF],
  limits,
  // What the safety checks of cluster.ts read from every node after every step.
  observe: [
    "currentTerm",
    "role",
    "commitIndex",
    "lastApplied",
    "snapshotIndex",
    "snapshotTerm",
    "log",
    "log.length",
    "stateMachine",
    "stateMachine.counter",
  ],
  // shown at every event of a node in the trace
  nodeState: (n) => ({ term: n.currentTerm, role: n.role, commit: n.commitIndex }),
});
