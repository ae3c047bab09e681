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
import { WorkerPool } from "./pool.ts";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { courseRoot, gradingImpl, isLearnerCopy, labDir, listMutants } from "./impl.ts";
import { gradeScenario, type ScenarioResult } from "./grade.ts";
import type { LabGrader } from "./scenario.ts";
import {
  mutantCaught,
  referencePasses,
  stubNotStarted,
  stubRule,
  testsWithoutHint,
  testsWithoutMutant,
  type RuleViolation,
} from "./course-rules.ts";

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

function assertKept(v: RuleViolation | undefined): void {
  if (v) throw new Error(v.detail ? `${v.text}:\n${v.detail}` : v.text);
}

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
  // Traces of failing seeds go where `faultline course check` puts them, not into the learner's .faultline/traces.
  const ctx = {
    graderModule: modulePath,
    pool,
    traceDir: join(courseRoot(), ".faultline", "course-check", "traces", lab.lab),
  } as const;

  if (opts.rules ?? true) {
    // parsing every stub with the TypeScript compiler takes seconds on a loaded machine
    describe(`${lab.lab}: the course rules`, { timeout: 60_000 }, () => {
      it("every test has a hint", () => assertKept(testsWithoutHint(lab)));
      it("every stub body that throws NotImplemented is marked TODO", () => assertKept(stubRule(lab).violation));
    });
  }

  if (opts.reference ?? true) {
    describe(`${lab.lab}: the reference scores 100%`, () => {
      for (const s of lab.scenarios) {
        it(
          `${s.part} ${s.name} (${s.points} pts${s.bonus ? " bonus" : ""})`,
          async () => {
            assertKept((await referencePasses(lab, s, ctx, opts.determinism ?? Boolean(process.env.CI))).violation);
          },
          TEST_TIMEOUT_MS,
        );
      }
    });
  }

  if (opts.stub ?? true) {
    describe(`${lab.lab}: the stubs score 0 without crashing`, () => {
      for (const s of lab.scenarios) {
        it(`${s.part} ${s.name}`, async () => assertKept(await stubNotStarted(lab, s, ctx)), TEST_TIMEOUT_MS);
      }
    });
  }

  if (opts.mutants ?? true) {
    const mutants = listMutants(lab.lab, lab.root ?? labDir(lab.lab));
    describe(`${lab.lab}: every mutant loses points in the tests it targets`, () => {
      it("every test is targeted by a mutant", () => assertKept(testsWithoutMutant(lab, mutants)));
      for (const m of mutants) {
        it(`${m.name}: ${m.bug}`, async () => assertKept(await mutantCaught(lab, m, ctx)), TEST_TIMEOUT_MS);
      }
    });
  }
}

/**
 * Grade through the `faultline` command in a process of its own, as a learner's or an
 * instructor's run would, with `--format json --out <file>`: what it printed and the results
 * file the grader wrote. Exit code 1 (something failed) is an answer, not an error. For cheat
 * tests that check the grade cannot be forged from learner code.
 */
export async function gradeThroughCli(
  repo: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ stdout: string; results: { earned: number; possible: number } }> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-cli-grade-"));
  try {
    const out = join(dir, "results.json");
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--import", "tsx", join(repo, "shared/cli/src/main.ts"), "grade", ...args, "--format", "json", "--out", out],
        { cwd: repo, env: { ...process.env, FAULTLINE_ROOT: repo }, timeout: timeoutMs },
        (err, so) => (err && (err as { code?: unknown }).code !== 1 ? reject(err) : resolve(so)),
      );
    });
    return { stdout, results: JSON.parse(readFileSync(out, "utf8")) as { earned: number; possible: number } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Grade one test of a lab with one implementation (a cheat's folder, a staged copy, a mutant)
 * on the given seeds: what a cheat suite asserts on.
 */
export async function gradeOneTest(
  lab: LabGrader,
  graderModule: string,
  impl: string,
  test: string,
  opts: { seeds: number[]; pool: WorkerPool },
): Promise<ScenarioResult> {
  const scenario = lab.scenarios.find((s) => s.name === test);
  if (!scenario) throw new Error(`${lab.lab} has no test "${test}"`);
  return gradeScenario(lab, scenario, { lab: lab.lab, graderModule, impl, seeds: opts.seeds, pool: opts.pool });
}

/** "invariant: message" of a result's first failure: the reason a cheat scored 0. */
export function firstFailureText(r: ScenarioResult): string {
  return `${r.firstFailure?.failure?.invariant ?? ""}: ${r.firstFailure?.failure?.message ?? ""}`;
}

/**
 * A cheat built from the reference: a temporary copy of `files` of the lab's reference (their
 * `../src/` imports pointed at copies of `srcFiles` beside them) with `from` replaced by `to`
 * in `file`, which must contain it. Returns the implementation to grade; `dispose` removes
 * every copy made.
 */
export function referenceCheats(
  labName: string,
  reference: string,
  files: readonly string[],
  srcFiles: readonly string[] = [],
): { cheat(file: string, from: string | RegExp, to: string): string; dispose(): void } {
  const dirs: string[] = [];
  return {
    cheat(file, from, to) {
      const dir = mkdtempSync(join(tmpdir(), `faultline-${labName}-cheat-`));
      dirs.push(dir);
      for (const f of files) {
        let text = readFileSync(join(reference, f), "utf8").replaceAll('"../src/', '"./');
        if (f === file) {
          if (typeof from === "string" ? !text.includes(from) : !from.test(text))
            throw new Error(`${file} does not contain ${String(from)}`);
          text = text.replace(from, to);
        }
        writeFileSync(join(dir, f), text);
      }
      for (const f of srcFiles) writeFileSync(join(dir, f), readFileSync(join(reference, "../src", f), "utf8"));
      return gradingImpl(labName, dir);
    },
    dispose() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
