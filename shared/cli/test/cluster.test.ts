/** `faultline cluster raft`: real node processes with an HTTP API, stopped by Ctrl-C. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inproc, removeTemp, tempDir } from "./fixture.ts";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url));
const REPO = fileURLToPath(new URL("../../..", import.meta.url));

afterAll(removeTemp);

describe("cluster", () => {
  it("starts three reference raft nodes that serve the HTTP API, lists their PIDs, restarts a killed one, and stops them on SIGINT", async () => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
    delete env.FAULTLINE_ROOT;
    // The command keeps its data folder for the next start; the test's goes with the test.
    const dataDir = join(tempDir("faultline-cluster-test-"), "data");
    const child = spawn(
      process.execPath,
      [TSX, MAIN, "cluster", "raft", "--impl", "reference", "--base-port", "0", "--data-dir", dataDir],
      { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    let n1 = "";
    try {
      const end = Date.now() + 60_000;
      while (!out.includes("Ctrl-C stops every node")) {
        if (Date.now() > end) throw new Error(`cluster did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const started = Date.now();
      // Ports come from the OS (--base-port 0): read them, and the PIDs, from the listing.
      const listed = [...out.matchAll(/(n[1-3]) {2}pid (\d+) {2}(http:\/\/127\.0\.0\.1:\d+)/g)];
      const urls = Object.fromEntries(listed.map((m) => [m[1], m[3]]));
      const pids = Object.fromEntries(listed.map((m) => [m[1], Number(m[2])]));
      expect(Object.keys(urls).sort()).toEqual(["n1", "n2", "n3"]);
      expect(out).toContain("kill -9 <pid> crashes a node (it restarts on its disk)");
      n1 = urls.n1 as string;
      // Retried (same seq) until a leader commits it: a busy machine may take a while to elect one.
      let count: unknown;
      let last = "";
      const commitBy = Date.now() + 60_000;
      while (count === undefined && Date.now() < commitBy) {
        try {
          const r = await fetch(`${urls.n2}/incr`, {
            method: "POST",
            headers: { "x-client-id": "cli-test", "x-request-seq": "1" },
            signal: AbortSignal.timeout(10_000),
          });
          const body = (await r.json()) as { count?: number };
          if (r.status === 200) count = body.count;
          else last = `${r.status} ${JSON.stringify(body)}`;
        } catch (err) {
          last = (err as Error).message;
        }
        if (count === undefined) await new Promise((res) => setTimeout(res, 100));
      }
      expect(count, `no answer within 60 s; last: ${last}`).toBe(1);
      const status = (await (await fetch(`${n1}/status`, { signal: AbortSignal.timeout(10_000) })).json()) as {
        id: string;
        role: string;
      };
      expect(status.id).toBe("n1");
      expect(["leader", "follower", "candidate"]).toContain(status.role);
      // A crash from outside: said, and the node comes back on its disk with a new PID.
      await new Promise((r) => setTimeout(r, Math.max(0, 5_500 - (Date.now() - started)))); // past the crash-loop guard
      process.kill(pids.n3 as number, "SIGKILL");
      const back = Date.now() + 60_000;
      while (!/n3 {2}pid \d+ {2}http:\/\/127\.0\.0\.1:\d+ {2}restarted/.test(out)) {
        if (Date.now() > back) throw new Error(`n3 did not restart:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out).toContain("n3 was killed (SIGKILL); restarting it on its disk ...");
      const newPid = Number(/n3 {2}pid (\d+) {2}\S+ {2}restarted/.exec(out)?.[1]);
      expect(newPid).not.toBe(pids.n3);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
    expect(out).toContain("stopping ...");
    await expect(fetch(`${n1}/status`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
  }, 120_000);

  it("says which labs can run as a cluster, and refuses bad flags", async () => {
    const r = await inproc(["cluster", "g-counter"], REPO);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cluster runs labs with an HTTP face: raft (not g-counter)");
    const bad = await inproc(["cluster", "raft", "--nodes", "zero"], REPO);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--nodes needs a whole number >= 1");
    const impl = await inproc(["cluster", "raft", "--impl", "mutant:nope"], REPO);
    expect(impl.code).toBe(2);
    expect(impl.stderr).toMatch(/unknown mutant "nope" of raft; mutants: .*no-dedupe/);
  }, 60_000);
});
