/**
 * Part E: the same RaftNode as real OS processes on loopback (@faultline/net, with the routes of
 * real/service.ts), attacked by
 * the leader-kill chaos drill. Ungraded (0 points): it shows that what passed the simulator
 * survives a real SIGKILL, real sockets and real timers.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Scenario } from "@faultline/grading";
import { ownedTempDir } from "@faultline/grading/owned-temp-dir";
import { Cluster } from "@faultline/net";
import type { RaftLab } from "./cluster.ts";
import { runLeaderKillChaos, type ChaosOptions } from "./real/chaos.ts";
import { realCluster } from "./real-cluster.ts";

async function drill(
  ctx: Parameters<Scenario<RaftLab>["run"]>[0],
  timeScale: number,
  opts: ChaosOptions,
): Promise<void> {
  const dir = ownedTempDir("faultline-raft-chaos-");
  const cluster = new Cluster({
    implPath: ctx.implPath,
    exportName: realCluster.exportName,
    service: realCluster.service,
    nodes: 3,
    dataDir: join(dir, "data"),
    logDir: join(dir, "logs"),
    seed: ctx.seed,
    timeScale,
  });
  let passed = false;
  try {
    await cluster.start();
    const r = await runLeaderKillChaos(cluster, opts);
    if (r.newLeaderMs !== undefined) ctx.metric("time to a new leader after the kill", r.newLeaderMs, "ms");
    ctx.metric("throughput", Math.round(r.throughput), "increments/s");
    ctx.log(
      `killed ${r.killed ?? "nobody"}; final: ${r.final.map((f) => `${f.id}=${String(f.counter)}`).join(" ")}; node logs in ${join(dir, "logs")}`,
    );
    ctx.check(
      r.problems.length === 0,
      "every acknowledged increment counted exactly once on every node",
      () => `${r.problems.join("; ")} (node logs in ${join(dir, "logs")})`,
    );
    passed = true;
  } finally {
    await cluster.stop();
    // The node logs stay for a failed drill (its message names them) until a later drill finds
    // this process gone; a passed one leaves nothing.
    if (passed) rmSync(dir, { recursive: true, force: true });
  }
}

const hints = [
  "Run it yourself: pnpm faultline cluster raft, then curl the nodes (labs/raft/README.md shows the session) and kill -9 the leader.",
  "Exactly 1000 needs both halves of section 8: retries carry (clientId, seq) and the state machine applies each pair once; and durability: term, vote and log are synced to disk before any reply leaves the node.",
  "After a whole-cluster restart the new leader commits the old entries only together with an entry of its own term (section 5.4.2); the drill sends a read through the log to get there.",
];

export const partE: Array<Scenario<RaftLab>> = [
  {
    part: "E",
    name: "real processes: the leader is SIGKILLed during 1000 increments",
    points: 0,
    seeds: 1,
    deterministic: false,
    isolation: "process",
    timeoutMs: 150_000,
    handlerTimeoutMs: 150_000,
    hints,
    run: (ctx) =>
      drill(ctx, 1, {
        increments: 1000,
        clients: 20,
        killAfter: 400,
        restartAfterMs: 300,
        deadlineMs: 100_000,
        maxAttempts: 200,
        restartAllAtEnd: true,
        resendEvery: 20,
      }),
  },
  {
    part: "E",
    name: "real processes: the same under 200 ms latency and 5% loss",
    points: 0,
    seeds: 1,
    deterministic: false,
    isolation: "process",
    timeoutMs: 180_000,
    handlerTimeoutMs: 180_000,
    hints,
    run: (ctx) =>
      drill(ctx, 4, {
        increments: 1000,
        clients: 50,
        killAfter: 400,
        restartAfterMs: 500,
        deadlineMs: 150_000,
        maxAttempts: 300,
        resendEvery: 20,
        faults: { delayMs: 200, jitterMs: 20, drop: 0.05 },
      }),
  },
];
