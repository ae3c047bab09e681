/**
 * Grader of the lease-lock lab. Part A checks the lock server's promises on its own clock, across
 * restarts; Part B pauses an unsafe client between its check and its write and asks the storage
 * to report the two writers; Part C requires fencing: under pauses, clock jumps and drift,
 * delays, duplicates and crashes, no superseded holder's write lands and a fenced client stops;
 * Part D holds a lock on a majority of five servers under bounded clock drift; Part E (bonus, on
 * top of the 100) has a leader answer reads under its lease, and stop when drift passes the bound.
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
  lab: "lease-lock",
  title: "Lease lock: leases, fencing tokens, and why a lock alone does not protect storage",
  parts: {
    A: "A lease lock server",
    B: "The unsafe client, seen by the storage",
    C: "Fencing tokens",
    D: "A majority of lock servers (Redlock)",
    E: "Leader leases for reads (bonus)",
  },
  scenarios: [...partA, ...partB, ...partC, ...partD, ...partE],
  limits,
});
