/**
 * Grader of the g-counter lab. Part A proves the lattice laws of the G-Counter with property
 * tests; Part B attacks convergence of gossiping nodes over a faulty network; Part C crashes and
 * restarts nodes; Part D repeats laws and convergence for the PN-Counter; Part E (a stretch,
 * worth no points) asks for delta-state gossip.
 */
import { defineLab } from "@faultline/grading";
import { limits } from "./limits.ts";
import type { L } from "./props.ts";
import { partA } from "./part-a.ts";
import { partB } from "./part-b.ts";
import { partC } from "./part-c.ts";
import { partD } from "./part-d.ts";
import { partE } from "./part-e.ts";
import { searchScenarios } from "./search.ts";

export const lab = defineLab<L>({
  lab: "g-counter",
  title: "G-Counter: state-based CRDTs that converge over a hostile network",
  parts: {
    A: "G-Counter and its lattice laws",
    B: "Gossip nodes over a hostile network",
    C: "Crash and restart",
    D: "PN-Counter",
    E: "Stretch (bonus): delta-state gossip",
  },
  scenarios: [...partA, ...partB, ...searchScenarios, ...partC, ...partD, ...partE],
  limits,
  // shown at every event of a node in the trace: what a read there would answer
  observe: ["value()"],
  nodeState: (n) => ({ value: n.value() }),
});
