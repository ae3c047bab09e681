/**
 * Stryker tests mutants by "mutant switching": every mutant is compiled into the files at once,
 * and each one is guarded by a check of `globalThis.__stryker__.activeMutant`, which the
 * instrumented code fills in from the environment variable __STRYKER_ACTIVE_MUTANT__. Graded
 * lab code never sees the environment: it runs in node:vm contexts with nothing but its env.
 * So the test command copies the instrumented reference and writes the active mutant's id into
 * each instrumented file, where the first one evaluated in a context switches it on.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The variable Stryker's command runner sets for each mutant run. */
export const ACTIVE_MUTANT_ENV = "__STRYKER_ACTIVE_MUTANT__";

/** A name that only instrumented files contain (Stryker's namespace helper). */
export const INSTRUMENTED_MARKER = "stryNS_9fa48";

export function isInstrumented(source: string): boolean {
  return source.includes(INSTRUMENTED_MARKER);
}

/**
 * The line put first in each instrumented file: it runs before the file's Stryker header reads
 * the namespace. With no mutant (the dry run) it writes null: the header looks at
 * process.env only while the id is undefined, and touching `process` stops graded code.
 */
export function activationLine(mutantId: string | undefined): string {
  return `(globalThis.__stryker__ ??= {}).activeMutant = ${JSON.stringify(mutantId ?? null)};\n`;
}

function files(dir: string, base = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, base))) {
    const rel = base ? join(base, name) : name;
    if (statSync(join(dir, rel)).isDirectory()) out.push(...files(dir, rel));
    else out.push(rel);
  }
  return out;
}

/** [relative path, source] of every instrumented file under `dir`. */
export function instrumentedSources(dir: string): Array<[string, string]> {
  return files(dir)
    .filter((rel) => /\.(ts|mts|js|mjs)$/.test(rel))
    .map((rel): [string, string] => [rel, readFileSync(join(dir, rel), "utf8")])
    .filter(([, source]) => isInstrumented(source));
}

/**
 * Copy `referenceDir` to `targetDir` (replacing what was there), switching on `mutantId` in the
 * instrumented files; with no id (Stryker's dry run) every switch stays off. Returns
 * how many files were instrumented.
 */
export function stageActiveMutant(referenceDir: string, targetDir: string, mutantId: string | undefined): number {
  rmSync(targetDir, { recursive: true, force: true });
  mkdirSync(targetDir, { recursive: true });
  let instrumented = 0;
  for (const rel of files(referenceDir)) {
    const from = join(referenceDir, rel);
    const to = join(targetDir, rel);
    mkdirSync(join(to, ".."), { recursive: true });
    if (!/\.(ts|mts|js|mjs)$/.test(rel)) {
      cpSync(from, to);
      continue;
    }
    const source = readFileSync(from, "utf8");
    if (isInstrumented(source)) instrumented++;
    writeFileSync(to, isInstrumented(source) ? activationLine(mutantId) + source : source);
  }
  return instrumented;
}
