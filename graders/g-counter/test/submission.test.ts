/**
 * `--impl <dir>` from outside the course, as Gradescope hands a submission over: only the files
 * the learner edited, in a folder anywhere on disk. It is staged with the lab's given files and
 * graded in isolation; one that does not compile is one clear error, not a failure per test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { formatLoadError, gradeLab, gradingImpl, labReport, renderMachineFormat, WorkerPool } from "@faultline/grading";
import { lab } from "../src/index.ts";

const GRADER = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const REFERENCE = fileURLToPath(new URL("../../../labs/g-counter/reference/", import.meta.url));
const pool = new WorkerPool(2);
const dirs: string[] = [];
afterAll(async () => {
  await pool.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A learner's edited files (the reference's, importing the given files as src/ does). */
function submission(edit?: (file: string, text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "faultline-submission-"));
  dirs.push(dir);
  // The reference's counter extends the given one of src/gcounter.ts, the file a learner writes
  // in: the submission carries that given class under a name of its own.
  writeFileSync(join(dir, "given-gcounter.ts"), readFileSync(join(REFERENCE, "..", "src", "gcounter.ts"), "utf8"));
  for (const f of ["gcounter.ts", "pncounter.ts", "node.ts"]) {
    const text = readFileSync(join(REFERENCE, f), "utf8")
      .replaceAll('"../src/gcounter.ts"', '"./given-gcounter.ts"')
      .replaceAll('"../src/', '"./');
    writeFileSync(join(dir, f), edit ? edit(f, text) : text);
  }
  return dir;
}

const T = 120_000;
const PART_A = { parts: ["A"] };

describe("a submission from outside the course", () => {
  it(
    "is staged with the lab's given files and scores what its code earns",
    async () => {
      const impl = gradingImpl("g-counter", submission());
      expect(impl).toMatch(/labs[\\/]g-counter[\\/]\.submission-[0-9a-f]{12}$/);
      const results = await gradeLab(lab, GRADER, { impl, pool, ...PART_A, seeds: [1] });
      expect(results.map((r) => `${r.name}: ${r.status}`)).toEqual(results.map((r) => `${r.name}: pass`));
    },
    T,
  );

  it(
    "that does not compile is reported once, with file, line and column, as an error",
    async () => {
      const impl = gradingImpl(
        "g-counter",
        submission((f, text) => (f === "gcounter.ts" ? text.replace("merge(", "merge((") : text)),
      );
      const results = await gradeLab(lab, GRADER, { impl, pool, ...PART_A });
      expect(results.every((r) => r.status === "error" && r.earned === 0)).toBe(true);
      expect(results.every((r) => r.seeds.length === 1)).toBe(true); // no seed was run per test
      const text = formatLoadError(results[0] as (typeof results)[0]);
      expect(text).toMatch(
        /^! g-counter: your code does not load: labs\/g-counter\/\.submission-[0-9a-f]+\/gcounter\.ts:\d+:\d+: /,
      );
      expect(text).toContain("no test of g-counter ran");
      // Every machine format says "error", not a failed test.
      const rep = labReport(lab, impl, results, 0);
      const json = JSON.parse(renderMachineFormat("json", [rep])) as {
        labs: Array<{ tests: Array<{ status: string }> }>;
      };
      expect(json.labs[0]?.tests.every((t) => t.status === "error")).toBe(true);
      expect(renderMachineFormat("junit", [rep])).toMatch(
        /<error type="error" message="does not load: your code does not load: /,
      );
      const gs = JSON.parse(renderMachineFormat("gradescope", [rep])) as {
        score: number;
        output?: string;
        tests: Array<{ status: string; output: string }>;
      };
      expect(gs.score).toBe(0);
      // said once, at the top of the results; each test points there
      expect(gs.output).toMatch(/g-counter: your code does not load: /);
      expect(gs.tests[0]?.output).toMatch(/did not load/);
    },
    T,
  );

  it(
    "that throws while loading names the learner's own file and line",
    async () => {
      const impl = gradingImpl(
        "g-counter",
        submission((f, text) => (f === "node.ts" ? `${text}\nthrow new Error("boom at load");\n` : text)),
      );
      const results = await gradeLab(lab, GRADER, { impl, pool, ...PART_A });
      expect(results.every((r) => r.status === "error")).toBe(true);
      const f = results[0]?.firstFailure?.failure;
      expect(f?.message).toContain("your module threw while loading: boom at load");
      expect(f?.stack).toMatch(/\.submission-[0-9a-f]+\/node\.ts:\d+:\d+/);
    },
    T,
  );
});
