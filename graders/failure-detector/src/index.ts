/**
 * Grader of the failure-detector lab. Every verdict is a measurement: the grader crashes, pauses
 * and slows nodes on a schedule drawn from the seed, reads who suspects whom after every step,
 * and judges detection times and false suspicions (per node-hour) against the bounds of the
 * README, in virtual time.
 */
import { defineLab } from "@faultline/grading";
import { limits } from "./limits.ts";
import type { L } from "./cluster.ts";
import { partA } from "./part-a.ts";
import { partB } from "./part-b.ts";
import { partC } from "./part-c.ts";
import { partCProbes } from "./part-c-probes.ts";
import { partD } from "./part-d.ts";
import { suspectedBy } from "./watch.ts";

export const lab = defineLab<L>({
  lab: "failure-detector",
  title: "Failure detectors: heartbeats, phi accrual and SWIM membership, graded on measured detection",
  parts: {
    A: "Fixed-timeout heartbeats and the trade-off",
    B: "Phi accrual",
    C: "SWIM membership",
    D: "Partitions and asymmetry",
  },
  scenarios: [...partA, ...partB, ...partC, ...partCProbes, ...partD],
  limits,
  // read after every step: who this node suspects (shown at every event of a node in the trace)
  observe: ["suspected()", "suspected().length"],
  nodeState: (n) => ({ suspects: [...suspectedBy(n)].join(",") }),
});
