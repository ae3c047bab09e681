/**
 * The rules every lab must keep, one function each: `faultline course check` runs them in a row
 * and prints a line per rule, and each grader's own test file registers them as vitest tests
 * (see vitest.ts), so CI and the instructor's command check exactly the same things.
 */
import { join } from "node:path";
import { gradeScenario, type GradeOptions, type ScenarioResult } from "./grade.ts";
import { labDir, type MutantInfo } from "./impl.ts";
import { PatchError } from "./mutants/patch.ts";
import { stageMutant } from "./mutants/stage.ts";
import { formatFailure } from "./report.ts";
import type { LabGrader, Scenario } from "./scenario.ts";
import { scanStubs } from "./stubs.ts";

/** A broken rule: one line, and the failure reports behind it. */
export interface RuleViolation {
  text: string;
  detail?: string;
}

/** What a rule needs to grade: the grader module, the worker pool, optionally where traces go. */
export type RuleContext = Pick<GradeOptions, "graderModule" | "pool" | "traceDir">;

/** Every test has at least one non-empty hint. */
export function testsWithoutHint(lab: LabGrader): RuleViolation | undefined {
  const missing = lab.scenarios.filter((s) => s.hints.length === 0 || s.hints.some((h) => h.trim() === ""));
  return missing.length === 0
    ? undefined
    : { text: `tests without a hint: ${missing.map((s) => `"${s.name}"`).join(", ")}` };
}

/** Every test is the target of at least one mutant: a test no known bug fails proves nothing yet. */
export function testsWithoutMutant(lab: LabGrader, mutants: readonly MutantInfo[]): RuleViolation | undefined {
  const targeted = new Set(mutants.flatMap((m) => m.targets));
  const missing = lab.scenarios.filter((s) => !targeted.has(s.name));
  return missing.length === 0
    ? undefined
    : {
        text: `tests no mutant targets: ${missing.map((s) => `"${s.name}"`).join(", ")} (add a mutant in mutants/ whose bug each of them catches)`,
      };
}

/** The stubs exist (src/ throws NotImplemented somewhere) and every such body carries a TODO. */
export function stubRule(
  lab: LabGrader,
  srcDir = join(lab.root ?? labDir(lab.lab), "src"),
): { stubs: number; violation?: RuleViolation } {
  const { stubs, unmarked } = scanStubs(srcDir);
  if (stubs === 0)
    return {
      stubs,
      violation: {
        text: `no function in ${lab.lab}/src throws NotImplemented: a learner must start "not started", not with working code`,
      },
    };
  if (unmarked.length > 0)
    return {
      stubs,
      violation: { text: `stub bodies without a TODO comment: ${unmarked.length}`, detail: unmarked.join("\n") },
    };
  return { stubs };
}

/** The reference passes one test (every seed twice with equal traces when `determinism`). */
export async function referencePasses(
  lab: LabGrader,
  s: Scenario,
  ctx: RuleContext,
  determinism: boolean,
): Promise<{ result: ScenarioResult; violation?: RuleViolation }> {
  const result = await gradeScenario(lab, s, { ...ctx, lab: lab.lab, impl: "reference", determinism });
  return result.status === "pass"
    ? { result }
    : { result, violation: { text: `the reference fails "${s.name}"`, detail: formatFailure(result) } };
}

/** The stub (`impl`: labs/<lab>/src, or a folder holding the committed stubs) scores 0 on one test as "not started", never as a crash or a failure. */
export async function stubNotStarted(
  lab: LabGrader,
  s: Scenario,
  ctx: RuleContext,
  impl = "stub",
): Promise<RuleViolation | undefined> {
  const r = await gradeScenario(lab, s, { ...ctx, lab: lab.lab, impl, seeds: [1] });
  return r.status === "not-started"
    ? undefined
    : { text: `the stub is ${r.status} instead of not started in "${s.name}"`, detail: formatFailure(r) };
}

/** A mutant fails every test it targets; what it survives, if anything. */
export async function mutantCaught(
  lab: LabGrader,
  m: MutantInfo,
  ctx: RuleContext,
): Promise<RuleViolation | undefined> {
  try {
    stageMutant(lab.root ?? labDir(lab.lab), m.name);
  } catch (err) {
    // A patch that no longer applies is a broken mutant, never a caught one.
    if (err instanceof PatchError) return { text: err.message };
    throw err;
  }
  const survived: string[] = [];
  for (const target of m.targets) {
    const s = lab.scenarios.find((x) => x.name === target);
    if (!s) {
      survived.push(`targets unknown test "${target}" (tests: ${lab.scenarios.map((x) => `"${x.name}"`).join(", ")})`);
      continue;
    }
    const r = await gradeScenario(lab, s, {
      ...ctx,
      lab: lab.lab,
      impl: `mutant:${m.name}`,
      stopAtFirstFailure: true,
      determinism: m.determinism ?? false,
    });
    const loadFailure =
      r.firstFailure?.failure?.invariant === "implementation loads" ? r.firstFailure.failure : undefined;
    if (loadFailure) survived.push(`does not load in "${target}": ${loadFailure.message}`);
    else if (r.status !== "fail") survived.push(`survives "${target}" (${r.status})`);
  }
  return survived.length === 0 ? undefined : { text: `mutant ${m.name} (${m.bug}) ${survived.join("; ")}` };
}
