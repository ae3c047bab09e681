/**
 * Temporary folders named after the process that made them, `<prefix><pid>-XXXXXX`, for what a
 * grader cannot always remove itself: the data of real servers when its process is killed with
 * its group (Ctrl-C, a time limit), or the logs of a failed drill kept for the learner to read.
 * Making the next folder with the same prefix removes those whose process is gone.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processState, processTable } from "./process-table.ts";

/** A fresh folder `<prefix><this pid>-XXXXXX` in `dir`, after removing the abandoned ones. */
export function ownedTempDir(prefix: string, dir: string = tmpdir()): string {
  removeAbandoned(prefix, dir);
  return mkdtempSync(join(dir, `${prefix}${process.pid}-`));
}

/**
 * Remove the folders `<prefix><pid>-XXXXXX` of `dir` whose process is gone; a folder whose
 * process runs, or may run (its state cannot be read), stays, and so does anything named
 * otherwise. Returns the names removed.
 */
export function removeAbandoned(prefix: string, dir: string = tmpdir()): string[] {
  const owned = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\d+)-[A-Za-z0-9]{6}$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const candidates = names.flatMap((name) => {
    const pid = Number(owned.exec(name)?.[1] ?? 0);
    return pid > 0 && pid !== process.pid ? [{ name, pid }] : [];
  });
  if (candidates.length === 0) return [];
  const table = processTable();
  const removed: string[] = [];
  for (const { name, pid } of candidates) {
    if (processState(pid, table) !== "gone") continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // removed by another run first, or holding a file that is not ours to remove: left
    }
  }
  return removed;
}
