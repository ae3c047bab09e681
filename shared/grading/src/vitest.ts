/**
 * The course checks as vitest tests, for a lab grader's own test file:
 *
 *   await registerCourseChecks(new URL("../src/index.ts", import.meta.url));
 *
 * proves that the reference scores 100% (twice per seed in CI: same trace hashes), that the
 * stubs score 0 cleanly ("not started", never a crash), and that every mutant loses points in
 * the tests it targets.
 */
import { afterAll, describe, it } from "vitest";
import { fileURLToPath } from "node:url";
import { loadGrader } from "./run-seed.ts";
import { gradeScenario, type ScenarioResult } from "./grade.ts";
import { WorkerPool } from "./pool.ts";
import { formatFailure } from "./report.ts";
import { isLearnerCopy, labDir, listMutants } from "./impl.ts";
import { scanStubs } from "./stubs.ts";
import { join } from "node:path";

export interface CourseCheckOptions {
  /** Every test has a hint, every stub body is marked TODO (default true). */
  rules?: boolean;
  reference?: boolean;
  stub?: boolean;
  mutants?: boolean;
  /** Run reference seeds twice and compare traces (default: when CI is set). */
  determinism?: boolean;
}

const TEST_TIMEOUT_MS = 300_000;

export async function registerCourseChecks(graderModule: URL | string, opts: CourseCheckOptions = {}): Promise<void> {
  const modulePath = typeof graderModule === "string" ? graderModule : fileURLToPath(graderModule);
  if (isLearnerCopy()) {
    // A learner copy has no reference or mutants, and the learner's code is meant to change.
    describe.skip("course checks (they run in the instructor's repository, not in a learner copy)", () => {
      it("reference, stubs and mutants", () => {});
    });
    return;
  }
  const lab = await loadGrader(modulePath);
  const pool = new WorkerPool();
  afterAll(() => pool.close());
  const base = { lab: lab.lab, graderModule: modulePath, pool } as const;

  if (opts.rules ?? true) {
    describe(`${lab.lab}: the course rules`, () => {
      it("every test has a hint", () => {
        const missing = lab.scenarios.filter((s) => s.hints.length === 0 || s.hints.some((h) => h.trim() === ""));
        if (missing.length > 0) throw new Error(`tests without a hint: ${missing.map((s) => `"${s.name}"`).join(", ")}`);
      });
      it("every stub body that throws NotImplemented is marked TODO", () => {
        const { stubs, unmarked } = scanStubs(join(lab.root ?? labDir(lab.lab), "src"));
        if (stubs === 0) throw new Error(`no function in ${lab.lab}/src throws NotImplemented: the stubs must start "not started"`);
        if (unmarked.length > 0) throw new Error(`stub bodies without a "// TODO: ..." comment:\n${unmarked.join("\n")}`);
      });
    });
  }

  if (opts.reference ?? true) {
    describe(`${lab.lab}: the reference scores 100%`, () => {
      for (const s of lab.scenarios) {
        it(`${s.part} ${s.name} (${s.points} pts)`, async () => {
          const r = await gradeScenario(lab, s, { ...base, impl: "reference", determinism: opts.determinism ?? Boolean(process.env.CI) });
          if (r.status !== "pass") throw new Error(`reference failed:\n${formatFailure(r)}`);
        }, TEST_TIMEOUT_MS);
      }
    });
  }

  if (opts.stub ?? true) {
    describe(`${lab.lab}: the stubs score 0 without crashing`, () => {
      for (const s of lab.scenarios) {
        it(`${s.part} ${s.name}`, async () => {
          const r = await gradeScenario(lab, s, { ...base, impl: "stub", seeds: [1] });
          if (r.status !== "not-started") throw new Error(`stub should be "not started" but was ${r.status}:\n${formatFailure(r)}`);
        }, TEST_TIMEOUT_MS);
      }
    });
  }

  if (opts.mutants ?? true) {
    const mutants = listMutants(lab.lab, lab.root ?? labDir(lab.lab));
    describe(`${lab.lab}: every mutant loses points in the tests it targets`, () => {
      for (const m of mutants) {
        it(`${m.name}: ${m.bug}`, async () => {
          const survived: ScenarioResult[] = [];
          for (const target of m.targets) {
            const s = lab.scenarios.find((x) => x.name === target);
            if (!s) throw new Error(`mutant ${m.name} targets unknown test "${target}"; tests: ${lab.scenarios.map((x) => x.name).join(", ")}`);
            const r = await gradeScenario(lab, s, { ...base, impl: `mutant:${m.name}`, stopAtFirstFailure: true, determinism: m.determinism ?? false });
            if (r.status !== "fail") survived.push(r);
          }
          if (survived.length > 0) throw new Error(`mutant ${m.name} (${m.bug}) was not caught by: ${survived.map((r) => `"${r.name}" (${r.status})`).join(", ")}`);
        }, TEST_TIMEOUT_MS);
      }
    });
  }
}
