/**
 * The grader as a mutation test: the lab's scenarios against one implementation, stopping at
 * the first failure. Every scenario runs its first default seed before any scenario runs the
 * rest, because most mutants fail on the first seed of some scenario: a killed mutant costs a
 * few seconds, a surviving one exactly a full grade (every seed of every scenario).
 */
import {
  defaultSeeds,
  gradeScenario,
  type GradeOptions,
  type LabGrader,
  type ScenarioResult,
} from "@faultline/grading";

export type SweepContext = Pick<GradeOptions, "graderModule" | "pool" | "impl" | "traceDir">;

export interface FirstFailure {
  result: ScenarioResult;
  /** The failing scenario's name. */
  scenario: string;
  /** One line: the test, the seed and what broke. */
  summary: string;
}

function summarize(r: ScenarioResult): string {
  const f = r.firstFailure;
  const what = f?.failure ? `${f.failure.invariant}: ${f.failure.message.split("\n")[0]}` : r.status;
  return `"${r.name}" (part ${r.part}) ${r.status}${f ? ` on seed ${f.seed}` : ""}: ${what}`;
}

/**
 * The first scenario that does not pass, or undefined when the implementation passes them all
 * (with `quick`, on each scenario's first seed only). `first` names scenarios to try before the others (likely killers); the verdict is the same
 * in any order, only a killed mutant's cost changes.
 */
export async function firstFailure(
  lab: LabGrader,
  ctx: SweepContext,
  first: readonly string[] = [],
  quick = false,
): Promise<FirstFailure | undefined> {
  const rank = (name: string) => {
    const i = first.indexOf(name);
    return i < 0 ? first.length : i;
  };
  const order = lab.scenarios
    .map((s, i) => ({ s, i }))
    .sort((a, b) => rank(a.s.name) - rank(b.s.name) || a.i - b.i)
    .map(({ s }) => s);
  // Quick: only each test's first seed (a survivor may still fail a later seed).
  const passes: ((seeds: number[]) => number[])[] = quick
    ? [(s) => s.slice(0, 1)]
    : [(s) => s.slice(0, 1), (s) => s.slice(1)];
  for (const pick of passes) {
    for (const scenario of order) {
      const seeds = pick(defaultSeeds(scenario));
      if (seeds.length === 0) continue;
      const result = await gradeScenario(lab, scenario, { ...ctx, lab: lab.lab, seeds, stopAtFirstFailure: true });
      if (result.status !== "pass") return { result, scenario: scenario.name, summary: summarize(result) };
    }
  }
  return undefined;
}
