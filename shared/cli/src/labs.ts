/** Finding labs and their graders, with errors that list what exists. */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { courseRoot, graderModulePath, knownLabs, loadGrader, type LabGrader } from "@faultline/grading";
import { GraderLoadError, UsageError } from "./io.ts";

export { GraderLoadError };

/** Lab folders under labs/ (with or without a grader). */
export function labFolders(): string[] {
  const dir = join(courseRoot(), "labs");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("."))
    .map((d) => d.name)
    .sort();
}

export function labList(): string {
  const graded = knownLabs();
  const pending = labFolders().filter((l) => !graded.includes(l));
  const parts: string[] = [];
  parts.push(graded.length > 0 ? `labs: ${graded.join(", ")}` : "no lab has a grader yet (graders/<lab>/src/index.ts)");
  if (pending.length > 0) parts.push(`without a grader yet: ${pending.join(", ")}`);
  return parts.join("\n");
}

/** Check a lab name: it must have a grader. */
export function requireLab(lab: string): string {
  if (knownLabs().includes(lab)) return graderModulePath(lab);
  if (labFolders().includes(lab) || existsSync(join(courseRoot(), "graders", lab))) {
    throw new UsageError(
      `lab "${lab}" has no grader yet (graders/${lab}/src/index.ts does not exist); it cannot be graded until its grader is written\n${labList()}`,
    );
  }
  throw new UsageError(`unknown lab "${lab}"\n${labList()}`);
}

export async function loadLab(lab: string): Promise<{ grader: LabGrader; module: string }> {
  const module = requireLab(lab);
  try {
    return { grader: await loadGrader(module), module };
  } catch (err) {
    const e = err as Error;
    throw new GraderLoadError(
      `the grader of ${lab} does not load: ${e.message}\n${(e.stack ?? "").split("\n").slice(1, 6).join("\n")}`,
    );
  }
}

export function testList(lab: LabGrader): string {
  return lab.scenarios.map((s) => `  ${s.part}  "${s.name}"`).join("\n");
}

/** Check a test name; `asTyped` shows a suggestion as the user would type it (default: --only "<name>"). */
export function requireTest(lab: LabGrader, name: string, asTyped = (n: string) => `--only "${n}"`): void {
  if (lab.scenarios.some((s) => s.name === name)) return;
  const close = closestNames(
    name,
    lab.scenarios.map((s) => s.name),
  );
  const guess = close.length > 0 ? `; did you mean ${close.map(asTyped).join(" or ")}?` : "";
  throw new UsageError(`unknown test "${name}" in ${lab.lab}${guess}\ntests:\n${testList(lab)}`);
}

/** Edit distance (insertions, deletions, substitutions) between two strings. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Names a mistyped one probably meant, best first (at most three): those that contain it (a
 * shortened name), else those within a few typos.
 */
export function closestNames(typed: string, names: readonly string[]): string[] {
  const t = typed.trim().toLowerCase();
  if (t === "") return [];
  const containing = names.filter((n) => n.toLowerCase().includes(t));
  if (containing.length > 0) return containing.slice(0, 3);
  const limit = Math.max(2, Math.floor(t.length / 4));
  return names
    .map((n) => ({ n, d: distance(t, n.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.n);
}

export function requirePart(lab: LabGrader, part: string): void {
  if (!(part in lab.parts)) {
    throw new UsageError(
      `unknown part "${part}" in ${lab.lab}; parts: ${Object.entries(lab.parts)
        .map(([k, v]) => `${k} (${v})`)
        .join(", ")}`,
    );
  }
}
