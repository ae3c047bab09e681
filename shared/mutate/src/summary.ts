/**
 * What an instructor reads after a run: the mutation score and the survivors to triage, each
 * as file:line, the mutator, and the code before and after.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";

/** The part of Stryker's MutantResult this summary reads. */
export interface MutantOutcome {
  id: string;
  fileName: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  statusReason?: string;
  /** Where the mutant is, as the mutation-testing report schema gives it: line and column from 1. */
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}

export interface Score {
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  /** Mutants that do not compile or crash the runner (not counted in the score). */
  invalid: number;
  ignored: number;
  /** Detected / (detected + undetected), in percent; undefined with no valid mutant. */
  percent: number | undefined;
}

export function score(results: readonly MutantOutcome[]): Score {
  const n = (s: string) => results.filter((r) => r.status === s).length;
  const killed = n("Killed");
  const timeout = n("Timeout");
  const survived = n("Survived");
  const noCoverage = n("NoCoverage");
  const valid = killed + timeout + survived + noCoverage;
  return {
    killed,
    timeout,
    survived,
    noCoverage,
    invalid: n("CompileError") + n("RuntimeError"),
    ignored: n("Ignored") + n("Pending"),
    percent: valid === 0 ? undefined : ((killed + timeout) / valid) * 100,
  };
}

export function scoreLine(s: Score): string {
  const pct = s.percent === undefined ? "n/a" : `${s.percent.toFixed(1)}%`;
  const detected = s.killed + s.timeout;
  const valid = detected + s.survived + s.noCoverage;
  return `mutation score ${pct}: ${detected} of ${valid} mutants killed (${s.killed} failed a test, ${s.timeout} timed out), ${s.survived} survived${s.noCoverage ? `, ${s.noCoverage} not covered` : ""}${s.invalid ? `; ${s.invalid} invalid` : ""}`;
}

/** The source text a mutant replaced (its location counts lines and columns from 1). */
function original(source: string[], m: MutantOutcome): string {
  const { start, end } = m.location;
  const line = (n: number) => source[n - 1] ?? "";
  if (start.line === end.line) return line(start.line).slice(start.column - 1, end.column - 1);
  const first = line(start.line).slice(start.column - 1);
  const last = line(end.line).slice(0, end.column - 1);
  return [first, ...source.slice(start.line, end.line - 1), last].join("\n");
}

function oneLine(text: string, max = 90): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** One line per undetected mutant, in file and line order: what to triage in MUTATION.md. */
export function survivorLines(
  results: readonly MutantOutcome[],
  root: string,
  readSource: (file: string) => string = (f) => readFileSync(f, "utf8"),
): string[] {
  const sources = new Map<string, string[]>();
  const lines = (f: string) => {
    let s = sources.get(f);
    if (!s) sources.set(f, (s = readSource(f).split("\n")));
    return s;
  };
  return results
    .filter((r) => r.status === "Survived" || r.status === "NoCoverage")
    .sort(
      (a, b) =>
        a.fileName.localeCompare(b.fileName) ||
        a.location.start.line - b.location.start.line ||
        a.location.start.column - b.location.start.column,
    )
    .map((m) => {
      const where = `${relative(root, m.fileName).split("\\").join("/")}:${m.location.start.line}:${m.location.start.column}`;
      return `${where} ${m.mutatorName}: ${oneLine(original(lines(m.fileName), m))} → ${oneLine(m.replacement ?? "")}`;
    });
}
