/**
 * Stryker's incremental mode reuses a mutant's result while the mutated code is unchanged and
 * the tests that cover it are unchanged. The command runner reports no tests and no coverage,
 * so Stryker cannot see the grader change: a survivor would stay "survived" after the grader
 * was sharpened to kill it. So each run records a hash of everything the verdicts depend on
 * besides the mutated files (the grader, the lab's given files, the grading packages, this
 * test command); when it differs, the survivors are taken out of the incremental file and tested
 * again. Killed mutants stay killed: a sharper grader does not revive them (use --force after a
 * change that could).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Folders and files whose contents decide a verdict, besides the mutated reference. */
export function verdictInputs(root: string, lab: string): string[] {
  const testCommand = ["grade-service.ts", "grade-client.mjs", "first-failure.ts", "active-mutant.ts", "paths.ts"].map(
    (f) => join(root, "shared", "mutate", "src", f),
  );
  return [
    join(root, "graders", lab, "src"),
    join(root, "labs", lab, "src"),
    ...["grading", "sim", "check"].map((p) => join(root, "shared", p, "src")),
    ...testCommand,
  ];
}

/** sha256 over the names and contents of every file in or under `paths` (node_modules and dot-files skipped). */
export function fingerprint(root: string, paths: readonly string[]): string {
  const h = createHash("sha256");
  const add = (p: string): void => {
    if (!existsSync(p)) return;
    if (!statSync(p).isDirectory()) {
      h.update(relative(root, p).split("\\").join("/")).update("\0").update(readFileSync(p)).update("\0");
      return;
    }
    for (const name of readdirSync(p).sort()) if (name !== "node_modules" && !name.startsWith(".")) add(join(p, name));
  };
  for (const p of paths) add(p);
  return h.digest("hex");
}

/** Statuses a sharper grader can change: these are tested again when the fingerprint moved. */
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

interface IncrementalReport {
  files?: Record<string, { mutants?: { status?: string }[] }>;
}

/** Drop the undetected mutants from a Stryker incremental file; returns how many were dropped. */
export function forgetSurvivors(incrementalFile: string): number {
  if (!existsSync(incrementalFile)) return 0;
  const report = JSON.parse(readFileSync(incrementalFile, "utf8")) as IncrementalReport;
  let dropped = 0;
  for (const file of Object.values(report.files ?? {})) {
    const before = file.mutants?.length ?? 0;
    file.mutants = (file.mutants ?? []).filter((m) => !UNDETECTED.has(m.status ?? ""));
    dropped += before - file.mutants.length;
  }
  writeFileSync(incrementalFile, JSON.stringify(report));
  return dropped;
}

/** The fingerprint the last run recorded, if any. */
export function recordedFingerprint(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}
