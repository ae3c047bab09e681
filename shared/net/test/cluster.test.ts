/**
 * Real processes, no lab: two Tally nodes (test/fixtures/tally.ts) on loopback, the lab's
 * service loaded by path in every node process, a SIGKILL and a restart on the same disk.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDirs } from "@faultline/testkit/temp-dir";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Cluster, type ClusterOptions } from "../src/index.ts";

const TALLY = fileURLToPath(new URL("./fixtures/tally.ts", import.meta.url));

/** Every cluster's data and logs, removed once the file's tests are done. */
const freshDir = tempDirs("faultline-net-");

/** Ports from the OS (no basePort): a second run on the same host cannot collide. */
function cluster(extra: Partial<ClusterOptions> = {}): Cluster {
  const dir = freshDir();
  return new Cluster({
    implPath: TALLY,
    exportName: "Tally",
    service: { path: TALLY },
    nodes: 2,
    dataDir: join(dir, "data"),
    logDir: join(dir, "logs"),
    ...extra,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll a node's status until `ok` holds (a busy machine may take a while). */
async function statusWhen(
  c: Cluster,
  id: string,
  ok: (s: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown> | undefined> {
  const end = Date.now() + 30_000;
  let s: Record<string, unknown> | undefined;
  while (Date.now() < end) {
    s = await c.status(id);
    if (s && ok(s)) return s;
    await sleep(100);
  }
  return s;
}

describe("a cluster of node processes with a service loaded by path", () => {
  const c = cluster();
  beforeAll(() => c.start(), 120_000);
  afterAll(() => c.stop(), 20_000);

  it("serves the service's routes next to the admin routes, and the nodes talk over TCP", async () => {
    const post = () => fetch(`${c.url("n1")}/add`, { method: "POST", signal: AbortSignal.timeout(10_000) });
    expect(await (await post()).json()).toEqual({ total: 1, node: "n1" });
    expect(await (await post()).json()).toEqual({ total: 2, node: "n1" });
    const n2 = await statusWhen(c, "n2", (s) => (s.peers as Record<string, number>).n1 === 2);
    expect(n2).toMatchObject({ id: "n2", alive: true, total: 0, peers: { n1: 2 } });
    const unknown = await fetch(`${c.url("n1")}/nope`);
    expect(unknown.status).toBe(404);
    const method = await fetch(`${c.url("n1")}/add`);
    expect(method.status).toBe(405);
  }, 60_000);

  it("a node killed with SIGKILL restarts on its synced disk", async () => {
    await c.kill("n1", "SIGKILL");
    expect(c.isRunning("n1")).toBe(false);
    await c.startNode("n1");
    const s = await statusWhen(c, "n1", (x) => x.total === 2);
    expect(s).toMatchObject({ total: 2 });
    expect(c.crashes()).toEqual([]); // kill() is the drill's doing, not a crash
  }, 120_000);

  it("a node that dies on its own is reported as a crash, with why", async () => {
    process.kill(c.pid("n2") as number, "SIGKILL"); // as if it crashed, or someone killed its PID
    const end = Date.now() + 30_000;
    while (c.isRunning("n2") && Date.now() < end) await sleep(50);
    expect(c.isRunning("n2")).toBe(false);
    expect(c.crashes()).toMatchObject([{ id: "n2", signal: "SIGKILL" }]);
    await sleep(200);
    expect(c.crashes()[0]?.why).toContain("READY n2"); // no FATAL line: the end of its log
  }, 60_000);
});

describe("a service that does not load", () => {
  it("stops the node process with an error naming the module and the export", async () => {
    const TALLY_PATH = TALLY;
    const c = cluster({ nodes: 1, service: { path: TALLY_PATH, exportName: "notAService" } });
    try {
      await expect(c.start()).rejects.toThrow(/does not export a service "notAService"/);
    } finally {
      await c.stop();
    }
  }, 120_000);
});
