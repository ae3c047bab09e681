/**
 * A learner's run stops each test at its first failing seed: one failing seed already costs the
 * test its points (a test scores only when every seed passes), so the rest would only make a
 * wrong answer slow. Instructor and machine-readable runs keep running every seed.
 */
import { shellQuote } from "./format.ts";
import type { ScenarioResult } from "./grade.ts";

export interface RunKind {
  /** --impl value. */
  impl: string;
  /** --format, when the output is for a machine. */
  format?: string;
  determinism?: boolean;
  /** --all-seeds */
  allSeeds?: boolean;
}

/** Whether a run stops each test at its first failing seed: the learner's own code, graded for a human. */
export function stopsAtFirstFailure(k: RunKind): boolean {
  return (k.impl === "stub" || k.impl === "src") && k.format === undefined && !k.determinism && !k.allSeeds;
}

/** The command that runs every seed of one test. */
export function allSeedsCommand(lab: string, scenario: string, impl: string): string {
  const implArg = impl === "stub" ? "" : ` --impl ${shellQuote(impl)}`;
  return `pnpm faultline grade ${lab} --only ${shellQuote(scenario)}${implArg} --all-seeds`;
}

/** "8 of 10 seeds not run ...", for a failed test that stopped early; undefined otherwise. */
export function notRunNote(r: ScenarioResult): string | undefined {
  const n = r.notRun ?? 0;
  if (n === 0 || r.status !== "fail") return undefined;
  const total = n + r.seeds.length;
  return `${n} of ${total} seeds not run (a test stops at its first failing seed; it already scores 0). Run them all: ${allSeedsCommand(r.lab, r.name, r.impl ?? "stub")}`;
}
