/**
 * Grader of the pg-failover lab: three real PostgreSQL servers in streaming replication, each
 * replication link and each of the controller's links through a fault-injecting TCP proxy, a
 * write workload logged row by row, and the learner's failover controller in a restricted
 * process of its own.
 */
import { defineLab } from "@faultline/grading";
import { checkLoads } from "./controller-process.ts";
import { partA, partB, partC, partD, partE } from "./scenarios.ts";
import type { LabModule } from "./world.ts";

export const lab = defineLab<LabModule>({
  lab: "pg-failover",
  // Real servers, real time: the controller runs in a restricted process of its own
  // (controller-process.ts); the servers, the links, the clients and every check stay here.
  isolation: "process",
  loadCheck: checkLoads,
  title: "PostgreSQL failover: three real servers and a controller that loses nothing",
  parts: {
    A: "Observe",
    B: "Fail over",
    C: "Lose nothing acknowledged",
    D: "No split brain",
    E: "A partition, not a crash (bonus)",
  },
  scenarios: [...partA, ...partB, ...partC, ...partD, ...partE],
});
