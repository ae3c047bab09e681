/**
 * Real processes: three Raft nodes (the reference) on loopback, the HTTP API a learner curls
 * (real/service.ts) and clear errors. The leader-kill chaos drill itself is part E.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDirs } from "@faultline/testkit/temp-dir";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Cluster } from "@faultline/net";
import { leaderOf } from "../src/real/chaos.ts";
import { realCluster } from "../src/real-cluster.ts";

const REFERENCE = fileURLToPath(new URL("../../../labs/raft/reference/index.ts", import.meta.url));

/** Every cluster's data and logs, removed once the file's tests are done. */
const freshDir = tempDirs("faultline-cluster-");

/** Ports from the OS (no basePort): a second run on the same host cannot collide. */
function cluster(extra: Partial<ConstructorParameters<typeof Cluster>[0]> = {}) {
  const dir = freshDir();
  return new Cluster({
    implPath: REFERENCE,
    exportName: realCluster.exportName,
    service: realCluster.service,
    nodes: 3,
    dataDir: join(dir, "data"),
    logDir: join(dir, "logs"),
    ...extra,
  });
}

// Generous deadlines, polled: on a busy machine elections and commits take longer, and
// leadership may move between two requests.
const DEADLINE_MS = 45_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForLeader(c: Cluster): Promise<string> {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    const l = await leaderOf(c);
    if (l) return l;
    if (Date.now() > end) throw new Error(`no leader within ${DEADLINE_MS} ms`);
    await sleep(50);
  }
}

/** The request, retried while the cluster answers 503/504 or not at all, until the deadline. */
async function retrying(url: string, init: RequestInit = {}): Promise<Response> {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    let r: Response | undefined;
    try {
      r = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      if (Date.now() > end) throw err;
    }
    if (r) {
      if ((r.status !== 503 && r.status !== 504) || Date.now() > end) return r;
      await r.text();
    }
    await sleep(100);
  }
}

describe("a three-node Raft cluster over real processes", () => {
  const c = cluster();
  beforeAll(() => c.start(), 120_000);
  afterAll(() => c.stop(), 20_000);

  it("serves the counter and the key-value store through any node (followers forward)", async () => {
    const leader = await waitForLeader(c);
    const follower = c.ids.find((id) => id !== leader)!;
    const h = { "x-client-id": "t1", "content-type": "application/json" };
    const r1 = await retrying(`${c.url(follower)}/incr`, { method: "POST", headers: { ...h, "x-request-seq": "1" } });
    expect(r1.status).toBe(200);
    expect(await r1.json()).toEqual({ count: 1 });
    const again = await retrying(`${c.url(follower)}/incr`, {
      method: "POST",
      headers: { ...h, "x-request-seq": "1" },
    });
    expect(await again.json()).toEqual({ count: 1 }); // a retry of seq 1 is not applied twice
    const put = await retrying(`${c.url(leader)}/kv/color`, {
      method: "PUT",
      headers: { ...h, "x-request-seq": "2" },
      body: JSON.stringify({ value: "blue" }),
    });
    expect(await put.json()).toEqual({ ok: true });
    const get = await retrying(`${c.url(follower)}/kv/color`);
    expect(await get.json()).toEqual({ key: "color", value: "blue" });
    const count = await retrying(`${c.url(follower)}/count`);
    expect(await count.json()).toEqual({ count: 1 });
    // Whoever leads by now (leadership may have moved) shows the count, and so does every node.
    const end = Date.now() + DEADLINE_MS;
    let seen: Array<Record<string, unknown> | undefined> = [];
    for (;;) {
      seen = await Promise.all(c.ids.map((id) => c.status(id)));
      if (seen.some((s) => s?.role === "leader") && seen.every((s) => s?.counter === 1)) break;
      if (Date.now() > end) break;
      await sleep(100);
    }
    const now = seen.find((s) => s?.role === "leader");
    expect(now, `no leader: ${JSON.stringify(seen)}`).toMatchObject({ role: "leader", counter: 1 });
    expect(seen.map((s) => s?.counter)).toEqual([1, 1, 1]);
  }, 180_000);

  it("answers bad requests with clear JSON errors and proper status codes", async () => {
    const unknown = await fetch(`${c.url("n1")}/nope`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toBe("no route GET /nope");
    const badJson = await fetch(`${c.url("n1")}/kv/x`, { method: "PUT", body: "{oops" });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: string }).error).toMatch(/not valid JSON/);
    const badBody = await fetch(`${c.url("n1")}/kv/x`, { method: "PUT", body: JSON.stringify({ value: 3 }) });
    expect(badBody.status).toBe(400);
    const badSeq = await fetch(`${c.url("n1")}/incr`, {
      method: "POST",
      headers: { "x-client-id": "t", "x-request-seq": "zero" },
    });
    expect(badSeq.status).toBe(400);
    const method = await fetch(`${c.url("n1")}/kv/x`, { method: "DELETE" });
    expect(method.status).toBe(405);
    const faults = await fetch(`${c.url("n1")}/admin/faults`, { method: "POST", body: JSON.stringify({ drop: 7 }) });
    expect(faults.status).toBe(400);
  }, 60_000);

  it("reports no leader with 503 while a majority is partitioned away", async () => {
    await c.setFaults("n1", { blocked: ["n2", "n3"] });
    await c.setFaults("n2", { blocked: ["n1", "n3"] });
    await c.setFaults("n3", { blocked: ["n1", "n2"] });
    // No node can reach a majority now, so nothing can commit: whoever n1 asks, the answer is an error.
    const r = await fetch(`${c.url("n1")}/incr`, { method: "POST", signal: AbortSignal.timeout(30_000) });
    expect([503, 504]).toContain(r.status);
    expect(((await r.json()) as { error: string }).error).toMatch(/no leader|not committed/);
    for (const id of c.ids) await c.setFaults(id, { blocked: [] });
    await waitForLeader(c);
  }, 120_000);
});
