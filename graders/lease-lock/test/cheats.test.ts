/**
 * Shortcuts that must score nothing where they matter: a lock server whose tokens never grow, a
 * lock server that grants to everyone, a storage that accepts every write, a storage that reports
 * no overlap (or every write as one), a replica that answers every read from its copy (Part E).
 * Each is the reference with one part replaced, graded as a learner's submission from outside the
 * course.
 */
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { WorkerPool, type ScenarioResult } from "@faultline/grading";
import { gradeOneTest, referenceCheats } from "@faultline/grading/vitest";
import { lab } from "../src/index.ts";

const GRADER = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const REFERENCE = fileURLToPath(new URL("../../../labs/lease-lock/reference/", import.meta.url));
const FILES = ["lock-server.ts", "storage.ts", "client.ts", "lease-leader.ts"];
const pool = new WorkerPool(2);
const cheats = referenceCheats("lease-lock", REFERENCE, FILES);
afterAll(async () => {
  await pool.close();
  cheats.dispose();
});
const cheat = cheats.cheat;
const grade = (impl: string, test: string): Promise<ScenarioResult> =>
  gradeOneTest(lab, GRADER, impl, test, { seeds: [1, 2, 3], pool });

const T = 120_000;

describe("shortcuts score 0 in the tests they dodge", () => {
  it(
    "a lock server that hands out the same token every time",
    async () => {
      const impl = cheat("lock-server.ts", "const token = this.lastToken + 1;", "const token = 1;");
      for (const test of ["one lease at a time, by the server's clock", "tokens keep growing across restarts"]) {
        const r = await grade(impl, test);
        expect(r.earned, test).toBe(0);
        expect(r.firstFailure?.failure?.message).toMatch(/token/);
      }
    },
    T,
  );

  it(
    "a lock server that grants every acquire",
    async () => {
      const impl = cheat("lock-server.ts", "if (held) {", "if (false as boolean) {");
      const r = await grade(impl, "one lease at a time, by the server's clock");
      expect(r.earned).toBe(0);
      expect(r.firstFailure?.failure?.message).toMatch(/two holders at once/);
    },
    T,
  );

  it(
    "a fenced storage that accepts every write",
    async () => {
      const impl = cheat("storage.ts", "if (msg.token < this.state.highest) {", "if (false as boolean) {");
      for (const test of ["a paused holder's late writes are fenced", "a restarted storage still fences"]) {
        const r = await grade(impl, test);
        expect(r.earned, test).toBe(0);
        expect(r.firstFailure?.failure?.invariant).toBe("no superseded holder's write lands");
      }
    },
    T,
  );

  it(
    "an auditing storage that reports nothing, or every write",
    async () => {
      const none = cheat("storage.ts", "return this.late.map((o) => ({ ...o }));", "return [];");
      expect((await grade(none, "the storage sees two writers after a pause")).earned).toBe(0);
      const all = cheat("storage.ts", /if \(msg\.token < this\.highest\)\s+this\.late\.push/, "this.late.push");
      expect((await grade(all, "an orderly run reports no overlap")).earned).toBe(0);
    },
    T,
  );

  it(
    "a replica that always answers reads from its copy",
    async () => {
      const impl = cheat(
        "lease-leader.ts",
        "servingReads(): boolean {",
        "servingReads(): boolean {\n    if (this.nextId > 0) return true;",
      );
      for (const test of [
        "leased reads are served, and fresh across leaders",
        "drift beyond the bound stops local reads",
      ]) {
        const r = await grade(impl, test);
        expect(r.earned, test).toBe(0);
        expect(r.firstFailure?.failure?.invariant).toMatch(/reads only under a running lease|reads are linearizable/);
      }
    },
    T,
  );
});
