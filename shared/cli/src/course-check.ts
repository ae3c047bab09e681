/**
 * `faultline course check`: the rules every lab must keep. For each lab: the reference scores
 * 100% (each seed twice, equal trace hashes), the stubs score 0 as "not started" without
 * crashing, every mutant loses points in the tests it targets, every stub body that throws
 * NotImplemented carries a TODO comment, and every test has a hint.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { formatFailure, formatTally, gradeScenario, tally, type ScenarioResult, labDir, listMutants, scanStubs, type LabGrader, type MutantInfo, type WorkerPool } from "@faultline/grading";

export interface CheckLine {
  ok: boolean;
  text: string;
  detail?: string;
}

export interface CheckLabOptions {
  pool: WorkerPool;
  graderModule: string;
  determinism: boolean;
  onLine?: (l: CheckLine) => void;
}

export async function checkLab(lab: LabGrader, opts: CheckLabOptions): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  const add = (l: CheckLine) => {
    lines.push(l);
    opts.onLine?.(l);
  };
  const root = lab.root ?? labDir(lab.lab);
  const base = { lab: lab.lab, graderModule: opts.graderModule, pool: opts.pool } as const;

  // hints
  const noHint = lab.scenarios.filter((s) => s.hints.length === 0 || s.hints.some((h) => h.trim() === ""));
  add(noHint.length === 0 ? { ok: true, text: `every test has a hint (${lab.scenarios.length} tests)` } : { ok: false, text: `tests without a hint: ${noHint.map((s) => `"${s.name}"`).join(", ")}` });

  // stubs are marked TODO
  const { stubs, unmarked } = scanStubs(join(root, "src"));
  if (stubs === 0) add({ ok: false, text: "no stub in src/ throws NotImplemented (a learner would start with working code?)" });
  else add(unmarked.length === 0 ? { ok: true, text: `every stub body is marked TODO (${stubs} stubs)` } : { ok: false, text: `stub bodies without a TODO comment: ${unmarked.length}`, detail: unmarked.join("\n") });

  // the reference scores 100%
  if (!existsSync(join(root, "reference"))) add({ ok: false, text: "no reference/ (a learner copy cannot be checked)" });
  else {
    const failed: string[] = [];
    const results: ScenarioResult[] = [];
    for (const s of lab.scenarios) {
      const r = await gradeScenario(lab, s, { ...base, impl: "reference", determinism: opts.determinism });
      results.push(r);
      if (r.status !== "pass") failed.push(formatFailure(r));
    }
    add(failed.length === 0 ? { ok: true, text: `the reference scores 100% (${formatTally(tally(results))}${opts.determinism ? ", every seed twice with equal traces" : ""})` } : { ok: false, text: `the reference scores ${formatTally(tally(results))}`, detail: failed.join("\n\n") });
  }

  // the stubs score 0 without crashing
  {
    const bad: string[] = [];
    for (const s of lab.scenarios) {
      const r = await gradeScenario(lab, s, { ...base, impl: "stub", seeds: [1] });
      if (r.status !== "not-started") bad.push(`"${s.name}" was ${r.status} instead of not started:\n${formatFailure(r)}`);
    }
    add(bad.length === 0 ? { ok: true, text: "the stubs score 0, every test \"not started\"" } : { ok: false, text: `the stubs do not score 0 cleanly in ${bad.length} test(s)`, detail: bad.join("\n\n") });
  }

  // every mutant loses points where it should
  let mutants: MutantInfo[];
  try {
    mutants = listMutants(lab.lab, root);
  } catch (err) {
    add({ ok: false, text: (err as Error).message });
    mutants = [];
  }
  if (mutants.length === 0) add({ ok: false, text: "no mutants in mutants/ (the grader's value is the bugs it catches)" });
  for (const m of mutants) {
    const survived: string[] = [];
    for (const target of m.targets) {
      const s = lab.scenarios.find((x) => x.name === target);
      if (!s) {
        survived.push(`targets unknown test "${target}"`);
        continue;
      }
      const r = await gradeScenario(lab, s, { ...base, impl: `mutant:${m.name}`, stopAtFirstFailure: true, determinism: m.determinism ?? false });
      if (r.status !== "fail") survived.push(`survives "${target}" (${r.status})`);
    }
    add(survived.length === 0 ? { ok: true, text: `mutant ${m.name} is caught by ${m.targets.map((t) => `"${t}"`).join(", ")}` } : { ok: false, text: `mutant ${m.name} (${m.bug}) ${survived.join("; ")}` });
  }
  return lines;
}
