/**
 * One mutation run per checkout. Stryker mutates the reference files in place and restores them
 * at the end; two runs in one checkout would restore each other's files (or grade each other's
 * mutants), so a second run refuses to start while the first one's process is alive.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface LockOwner {
  pid: number;
  lab: string;
  /** ISO time the run started. */
  started: string;
}

export class LockHeld extends Error {
  constructor(readonly owner: LockOwner) {
    super(
      `another mutation run is in progress in this checkout (lab ${owner.lab}, pid ${owner.pid}, started ${owner.started}); wait for it to finish`,
    );
    this.name = "LockHeld";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, "utf8")) as Partial<LockOwner>;
    return typeof owner.pid === "number" && typeof owner.lab === "string"
      ? { pid: owner.pid, lab: owner.lab, started: String(owner.started) }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Take the lock for `lab`, or throw LockHeld. A lock left by a process that no longer exists
 * (a killed run) is taken over. Returns the release function.
 */
export function acquireLock(file: string, lab: string, pid = process.pid): () => void {
  mkdirSync(dirname(file), { recursive: true });
  const owner: LockOwner = { pid, lab, started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(owner), { flag: "wx" }); // fails if the file exists: atomic
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (readOwner(file)?.pid === pid) rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const held = readOwner(file);
      if (held && alive(held.pid)) throw new LockHeld(held);
      rmSync(file, { force: true }); // stale: its run is gone
    }
  }
  throw new Error(`could not take the mutation lock ${file}`);
}
