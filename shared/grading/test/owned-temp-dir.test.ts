/**
 * Folders named after their process: a process killed with its group (Ctrl-C, a time limit)
 * cannot remove its own, so the next folder made with the same prefix removes the folders of
 * processes that are gone, and only those.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { tempDirs } from "@faultline/testkit/temp-dir";
import { afterAll, describe, expect, it } from "vitest";
import { ownedTempDir, removeAbandoned } from "../src/owned-temp-dir.ts";
import { processState } from "../src/process-table.ts";

const tempDir = tempDirs("faultline-owned-");
const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
afterAll(() => {
  sleeper.kill("SIGKILL");
});

/** A pid no process has any more: a process that ran and was reaped. */
function goneProcessPid(): number {
  return Number(spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim());
}

function folder(dir: string, name: string): string {
  const d = join(dir, name);
  mkdirSync(join(d, "pg1"), { recursive: true });
  writeFileSync(join(d, "pg1", "PG_VERSION"), "15\n");
  return d;
}

describe("folders owned by a process", () => {
  it("tells a running process from one that is gone", () => {
    expect(processState(process.pid)).toBe("running");
    expect(processState(sleeper.pid as number)).toBe("running");
    expect(processState(goneProcessPid())).toBe("gone");
  });

  it("are removed when their process is gone, and only then", () => {
    const dir = tempDir();
    const gone = goneProcessPid();
    const abandoned = folder(dir, `faultline-pgf-${gone}-Ab12Cd`);
    const kept = [
      `faultline-pgf-${sleeper.pid}-Ab12Cd`, // its process runs
      `faultline-pgf-${process.pid}-Ab12Cd`, // this process's own
      "faultline-pgf-Ab12Cd", // no pid: an older naming
      "faultline-pgf-bin-Ab12Cd", // another prefix that starts the same
      `faultline-pgf-${gone}-x`, // not what mkdtemp makes
      `faultline-raft-${gone}-Ab12Cd`, // another prefix
    ].map((n) => folder(dir, n));

    expect(removeAbandoned("faultline-pgf-", dir)).toEqual([`faultline-pgf-${gone}-Ab12Cd`]);
    expect(existsSync(abandoned)).toBe(false);
    for (const k of kept) expect(existsSync(k), k).toBe(true);
    expect(removeAbandoned("faultline-pgf-", dir)).toEqual([]);
  });

  it("a new folder carries this process's pid and clears the abandoned ones first", () => {
    const dir = tempDir();
    const abandoned = folder(dir, `faultline-drill-${goneProcessPid()}-Zz99Yy`);
    const made = ownedTempDir("faultline-drill-", dir);
    expect(basename(made)).toMatch(new RegExp(`^faultline-drill-${process.pid}-[A-Za-z0-9]{6}$`));
    expect(existsSync(abandoned)).toBe(false);
    expect(readdirSync(dir)).toEqual([basename(made)]);
  });

  it("a folder that cannot be read is no error", () => {
    expect(removeAbandoned("faultline-pgf-", join(tempDir(), "missing"))).toEqual([]);
  });
});
