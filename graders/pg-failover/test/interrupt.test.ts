/**
 * Ctrl-C in the middle of a grade leaves no PostgreSQL server behind. The servers belong to a
 * grading process of their own (its own process group); a terminal's Ctrl-C reaches only the
 * `faultline` command's group, so the grading process must take its servers down when the
 * command goes away. Killed with its group, it cannot remove its cluster's folder: the next
 * cluster created does (removeAbandoned), which this test does in its place.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { removeAbandoned } from "@faultline/grading/owned-temp-dir";
import { CLUSTER_FOLDER_PREFIX, findBindir } from "../src/postgres.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const TEST = "the killed primary is replaced and writes resume";

interface Proc {
  pid: number;
  ppid: number;
  sid: number;
  comm: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      // after the name: state, ppid, process group, session, ...
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({ pid: Number(d), comm, ppid: Number(f[1]), sid: Number(f[3]) });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

const alive = (pid: number): boolean => processes().some((p) => p.pid === pid);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, f: () => T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(200);
  }
}

const suite = findBindir() ? describe : describe.skip;

suite("Ctrl-C during a pg-failover grade", () => {
  it("takes every PostgreSQL server of the run down with it", async () => {
    const cli = spawn(
      process.execPath,
      ["--import", "tsx", "shared/cli/src/main.ts", "grade", "pg-failover", "--impl", "reference", "--only", TEST],
      { cwd: REPO, detached: true, stdio: "ignore", env: { ...process.env, FAULTLINE_ROOT: REPO } },
    );
    const cliPid = cli.pid as number;
    let servers: { child: number; pg: number[] } | undefined;
    try {
      // The grading process is the command's child, in a session of its own; its servers are in it.
      servers = await until("two PostgreSQL servers running", 90_000, () => {
        const all = processes();
        for (const child of all.filter((p) => p.ppid === cliPid && p.sid === p.pid)) {
          const pg = all.filter((p) => p.ppid === child.pid && p.comm === "postgres");
          if (pg.length >= 2) return { child: child.pid, pg: pg.map((p) => p.pid) };
        }
        return undefined;
      });
      process.kill(-cliPid, "SIGINT"); // what a terminal's Ctrl-C sends: the command's group only
      const run = [servers.child, ...servers.pg];
      const left = await until("the run's processes gone", 20_000, () =>
        run.some(alive) ? undefined : ([] as number[]),
      ).catch(() => run.filter(alive));
      expect(left, `still running after Ctrl-C: ${left.join(", ")}`).toEqual([]);
      // The run's folder is named after the grading process, so the next run can tell it is abandoned.
      const ofRun = () =>
        readdirSync(tmpdir()).filter((n) => n.startsWith(`${CLUSTER_FOLDER_PREFIX}${servers?.child}-`));
      expect(ofRun(), "the cluster folder of the killed run").toHaveLength(1);
      removeAbandoned(CLUSTER_FOLDER_PREFIX);
      expect(ofRun(), "left after the sweep").toEqual([]);
    } finally {
      // Whatever this test found still running goes now, so a failure leaves nothing behind.
      for (const pid of [-cliPid, ...(servers?.pg ?? [])])
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
    }
  }, 150_000);
});
