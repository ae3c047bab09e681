/**
 * Grader of the lamport-clock lab. Every timestamp a learner's node gives an event is paired
 * with the simulator's ground-truth vector clock of that event, so each claim (the clock
 * condition, a concurrency verdict, a delivery order, an HLC bound) is checked against the
 * real happened-before relation of the run.
 */
import { defineLab } from "@faultline/grading";
import { limits } from "./limits.ts";
import type { LabModule } from "./common.ts";
import { partA } from "./part-a.ts";
import { partB } from "./part-b.ts";
import { partC } from "./part-c.ts";
import { partD } from "./part-d.ts";
import { searchScenarios } from "./search.ts";

export const lab = defineLab<LabModule>({
  lab: "lamport-clock",
  title: "Lamport clocks, vector clocks and the orders built on them",
  parts: {
    A: "Lamport clock",
    B: "Vector clocks",
    C: "Totally ordered group chat",
    D: "Hybrid logical clocks",
  },
  scenarios: [...partA, ...partB, ...partC, ...searchScenarios, ...partD],
  limits,
  // shown at every event of a node in the trace: the clock hook (A: clock.time, B: the vector,
  // D: clock.current), or in part C how many chat messages the node has shown
  // Read after every handler: under isolation the observed paths come with each handler's reply.
  observe: ["delivered", "delivered.length", "clock", "clock.time", "clock.current"],
  nodeState: (n) => {
    const delivered = n.delivered;
    if (delivered !== undefined) return { shown: delivered.length };
    const c = n.clock;
    return { clock: c?.time ?? c?.current ?? c };
  },
});
