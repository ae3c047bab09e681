/**
 * `faultline course check`: the rules every lab must keep. For each lab: the reference scores
 * 100% (each seed twice, equal trace hashes), the stubs score 0 as "not started" without
 * crashing, every mutant loses points in the tests it targets, every stub body that throws
 * NotImplemented carries a TODO comment, and every test has a hint. The stubs checked are the
 * committed ones when the caller passes them (a learner's work in src/ is not a stub), and the
 * traces go to the caller's folder, never into the learner's .faultline/traces.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  formatTally,
  labDir,
  listMutants,
  mutantCaught,
  referencePasses,
  stubNotStarted,
  stubRule,
  tally,
  testsWithoutHint,
  testsWithoutMutant,
  type LabGrader,
  type MutantInfo,
  type ScenarioResult,
  type WorkerPool,
} from "@faultline/grading";

export interface CheckLine {
  ok: boolean;
  text: string;
  detail?: string;
}

export interface CheckLabOptions {
  pool: WorkerPool;
  graderModule: string;
  determinism: boolean;
  /** Where failing seeds write their traces (default: the learner's .faultline/traces/<lab>). */
  traceDir?: string;
  /** The stubs to grade: an --impl value (default "stub", labs/<lab>/src). */
  stubImpl?: string;
  /** The folder holding those stubs, scanned for TODO markers (default labs/<lab>/src). */
  stubDir?: string;
  onLine?: (l: CheckLine) => void;
  /** What is being checked now (phase "the reference", item "<test name>", 3 of 16 done): a full check takes minutes. */
  onProgress?: (phase: string, item: string, done: number, total: number) => void;
}

export async function checkLab(lab: LabGrader, opts: CheckLabOptions): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  const add = (l: CheckLine) => {
    lines.push(l);
    opts.onLine?.(l);
  };
  const root = lab.root ?? labDir(lab.lab);
  const ctx = {
    graderModule: opts.graderModule,
    pool: opts.pool,
    ...(opts.traceDir ? { traceDir: opts.traceDir } : {}),
  } as const;
  const progress = opts.onProgress ?? (() => {});

  const noHint = testsWithoutHint(lab);
  add(noHint ? { ok: false, ...noHint } : { ok: true, text: `every test has a hint (${lab.scenarios.length} tests)` });

  const stubs = stubRule(lab, opts.stubDir);
  add(
    stubs.violation
      ? { ok: false, ...stubs.violation }
      : { ok: true, text: `every stub body is marked TODO (${stubs.stubs} stubs)` },
  );

  if (!existsSync(join(root, "reference")))
    add({ ok: false, text: "no reference/ (a learner copy cannot be checked)" });
  else {
    const failed: string[] = [];
    const results: ScenarioResult[] = [];
    for (const [i, s] of lab.scenarios.entries()) {
      progress("the reference", `"${s.name}"`, i, lab.scenarios.length);
      const { result, violation } = await referencePasses(lab, s, ctx, opts.determinism);
      results.push(result);
      if (violation?.detail) failed.push(violation.detail);
    }
    const score = formatTally(tally(results));
    add(
      failed.length === 0
        ? {
            ok: true,
            text: `the reference scores 100% (${score}${opts.determinism ? ", every seed twice with equal traces" : ""})`,
          }
        : { ok: false, text: `the reference scores ${score}`, detail: failed.join("\n\n") },
    );
  }

  const bad: string[] = [];
  for (const [i, s] of lab.scenarios.entries()) {
    progress("the stubs", `"${s.name}"`, i, lab.scenarios.length);
    const v = await stubNotStarted(lab, s, ctx, opts.stubImpl);
    if (v) bad.push(`${v.text}:\n${v.detail ?? ""}`);
  }
  add(
    bad.length === 0
      ? { ok: true, text: 'the stubs score 0, every test "not started"' }
      : { ok: false, text: `the stubs do not score 0 cleanly in ${bad.length} test(s)`, detail: bad.join("\n\n") },
  );

  let mutants: MutantInfo[];
  try {
    mutants = listMutants(lab.lab, root);
  } catch (err) {
    add({ ok: false, text: (err as Error).message });
    mutants = [];
  }
  if (mutants.length === 0)
    add({ ok: false, text: "no mutants in mutants/ (the grader's value is the bugs it catches)" });
  else {
    const untargeted = testsWithoutMutant(lab, mutants);
    add(
      untargeted
        ? { ok: false, ...untargeted }
        : { ok: true, text: `every test is targeted by a mutant (${mutants.length} mutants)` },
    );
  }
  for (const [i, m] of mutants.entries()) {
    progress("the mutants", m.name, i, mutants.length);
    const v = await mutantCaught(lab, m, ctx);
    add(
      v
        ? { ok: false, ...v }
        : { ok: true, text: `mutant ${m.name} is caught by ${m.targets.map((t) => `"${t}"`).join(", ")}` },
    );
  }
  return lines;
}
