/**
 * In-place mutation writes instrumented code into labs/<lab>/reference and restores the
 * originals when the run ends. A run that is killed outright (SIGKILL, a power cut) cannot
 * restore them, so each run first keeps a pristine copy, and the next run puts it back.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { isInstrumented } from "./active-mutant.ts";

function instrumentedFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...instrumentedFiles(p));
    else if (/\.(ts|mts|js|mjs)$/.test(name) && isInstrumented(readFileSync(p, "utf8"))) out.push(p);
  }
  return out;
}

/**
 * Make sure `reference` holds the real code before a run: restore it from `backup` if an
 * interrupted run left it instrumented, else refresh the backup. Returns a note when it restored.
 */
export function guardReference(reference: string, backup: string): string | undefined {
  const leftover = instrumentedFiles(reference);
  if (leftover.length > 0) {
    if (!existsSync(backup) || instrumentedFiles(backup).length > 0) {
      throw new Error(
        `${reference} holds instrumented code from an interrupted run and there is no clean copy to restore it from: restore it with git (git checkout -- <that folder>)`,
      );
    }
    rmSync(reference, { recursive: true, force: true });
    cpSync(backup, reference, { recursive: true });
    return `restored ${leftover.length} reference file(s) that an interrupted run left instrumented`;
  }
  rmSync(backup, { recursive: true, force: true });
  cpSync(reference, backup, { recursive: true });
  return undefined;
}

/** After a run: true when the reference is back to plain code. */
export function referenceIsClean(reference: string): boolean {
  return instrumentedFiles(reference).length === 0;
}
