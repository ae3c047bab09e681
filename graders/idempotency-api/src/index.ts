/**
 * Grader of the idempotency-api lab: a payments API over real HTTP and a real PostgreSQL
 * (PGlite by default, the server of DATABASE_URL when set), a flaky provider, crashes of the
 * server process and a fault-injecting proxy in front of it.
 */
import { defineLab } from "@faultline/grading";
import { partA, partB, partC } from "./scenarios-abc.ts";
import { partD, partE } from "./scenarios-de.ts";
import type { LabModule } from "./world.ts";
import { checkLoads } from "./learner-bundle.ts";

export const lab = defineLab<LabModule>({
  lab: "idempotency-api",
  // A real HTTP server on PGlite, a client with real timers: the scenarios start the learner's
  // handler and client in restricted processes of their own (learner-bundle.ts) and keep the
  // provider and every check in the grading process, which never imports learner code.
  isolation: "process",
  loadCheck: checkLoads,
  title: "Idempotency keys: a payments API that is safe to retry",
  parts: {
    A: "Key handling and replay",
    B: "Conflicts and payload mismatch",
    C: "Concurrency",
    D: "Crash recovery",
    E: "The retrying client",
  },
  scenarios: [...partA, ...partB, ...partC, ...partD, ...partE],
});
