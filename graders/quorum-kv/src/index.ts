/**
 * Grader of the quorum-kv lab: a Dynamo-style store with N/W/R quorums (part A), read repair
 * and a linearizable ABD mode (B), version vectors with siblings (C), and a sloppy quorum
 * with hinted handoff and tombstones (D); bonus: anti-entropy with Merkle trees (E). Anomaly
 * tests run the weak configuration too and pass only when the anomaly shows up there and not
 * in the strong one.
 */
import { defineLab } from "@faultline/grading";
import { limits } from "./limits.ts";
import type { Impl } from "./harness.ts";
import { partA } from "./part-a.ts";
import { partB } from "./part-b.ts";
import { partC } from "./part-c.ts";
import { partD } from "./part-d.ts";
import { partE } from "./part-e.ts";
import { searchScenarios } from "./search.ts";

export const lab = defineLab<Impl>({
  lab: "quorum-kv",
  title: "Quorum KV: leaderless replication, N/W/R, and the anomalies it allows",
  parts: {
    A: "Quorum reads and writes",
    B: "Read repair and a linearizable mode",
    C: "Version vectors and siblings",
    D: "Sloppy quorum, hinted handoff and tombstones",
    E: "Anti-entropy with Merkle trees (bonus)",
  },
  scenarios: [...partA, ...partB, ...searchScenarios, ...partC, ...partD, ...partE],
  limits,
  // shown at every event of a node in the trace: the hints it holds for other replicas (its
  // stored versions are not: reading every key after every handler is too slow with many keys)
  // Read after every handler: under isolation the observed calls come with each handler's reply.
  observe: ["hints()", "hints().length"],
  nodeState: (n) => ({ hints: (n.hints() as unknown[]).length }),
});
