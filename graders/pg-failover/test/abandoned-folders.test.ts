/**
 * A grading process killed with its group (Ctrl-C, a time limit) cannot remove its cluster's
 * folder, some 90 MB of data directories: the next cluster created removes the folders of
 * processes that are gone, and only those.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDirs } from "@faultline/testkit/temp-dir";
import { afterAll, describe, expect, it } from "vitest";
import { sweepAbandoned } from "../src/postgres.ts";

const tempDir = tempDirs("faultline-pgf-sweep-");
const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
afterAll(() => {
  sleeper.kill("SIGKILL");
});

/** A pid no process has any more: a process that ran and was reaped. */
function goneProcessPid(): number {
  const r = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
  return Number(r.stdout.trim());
}

function folder(dir: string, name: string): string {
  const d = join(dir, name);
  mkdirSync(join(d, "pg1"), { recursive: true });
  writeFileSync(join(d, "pg1", "PG_VERSION"), "15\n");
  return d;
}

describe("folders of killed runs", () => {
  it("are removed when their process is gone, and only then", () => {
    const dir = tempDir();
    const gone = goneProcessPid();
    const running = sleeper.pid as number;
    const abandoned = folder(dir, `faultline-pgf-${gone}-Ab12Cd`);
    const ofRunningProcess = folder(dir, `faultline-pgf-${running}-Ab12Cd`);
    const mine = folder(dir, `faultline-pgf-${process.pid}-Ab12Cd`);
    // Not a cluster folder of this naming: an older run's, a test's fake binaries, someone else's.
    const others = [
      "faultline-pgf-Ab12Cd",
      "faultline-pgf-bin-Ab12Cd",
      `faultline-pgf-${gone}-x`,
      `faultline-raft-${gone}-Ab12Cd`,
    ].map((n) => folder(dir, n));

    expect(sweepAbandoned(dir)).toEqual([`faultline-pgf-${gone}-Ab12Cd`]);
    expect(existsSync(abandoned)).toBe(false);
    for (const kept of [ofRunningProcess, mine, ...others]) expect(existsSync(kept), kept).toBe(true);
    expect(readdirSync(dir)).toHaveLength(6);
    // Nothing left to remove: a second sweep removes nothing.
    expect(sweepAbandoned(dir)).toEqual([]);
  });

  it("a folder that cannot be read is no error", () => {
    expect(sweepAbandoned(join(tempDir(), "missing"))).toEqual([]);
  });
});
