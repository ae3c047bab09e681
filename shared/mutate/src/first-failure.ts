/**
 * The grader as a mutation test: the lab's scenarios against one implementation, stopping at
 * the first failure. Every scenario runs its first default seed before any scenario runs the
 * rest, because most mutants fail on the first seed of some scenario: a killed mutant costs a
 * few seconds, a surviving one exactly a full grade (every seed of every scenario).
 */
import { defaultSeeds, gradeScenario, type GradeOptions, type LabGrader, type ScenarioResult } from "@faultline/grading";

export type SweepContext = Pick<GradeOptions, "graderModule" | "pool" | "impl" | "traceDir">;

export interface FirstFailure {
  result: ScenarioResult;
  /** One line: the test, the seed and what broke. */
  summary: string;
}

function summarize(r: ScenarioResult): string {
  const f = r.firstFailure;
  const what = f?.failure ? `${f.failure.invariant}: ${f.failure.message.split("\n")[0]}` : r.status;
  return `"${r.name}" (part ${r.part}) ${r.status}${f ? ` on seed ${f.seed}` : ""}: ${what}`;
}

/** The first scenario that does not pass, or undefined when the implementation passes them all. */
export async function firstFailure(lab: LabGrader, ctx: SweepContext): Promise<FirstFailure | undefined> {
  const passes: ((seeds: number[]) => number[])[] = [(s) => s.slice(0, 1), (s) => s.slice(1)];
  for (const pick of passes) {
    for (const scenario of lab.scenarios) {
      const seeds = pick(defaultSeeds(scenario));
      if (seeds.length === 0) continue;
      const result = await gradeScenario(lab, scenario, { ...ctx, lab: lab.lab, seeds, stopAtFirstFailure: true });
      if (result.status !== "pass") return { result, summary: summarize(result) };
    }
  }
  return undefined;
}
