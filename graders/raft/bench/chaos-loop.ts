/**
 * The leader-kill chaos drill in a loop (default 10 runs of each variant) against a Raft
 * implementation (default the reference): prints per-run figures and the pass count.
 *   pnpm --filter @faultline/grader-raft chaos [runs] [impl-path]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Cluster } from "@faultline/net";
import { runLeaderKillChaos, type ChaosOptions } from "../src/real/chaos.ts";
import { realCluster } from "../src/real-cluster.ts";

const runs = Number(process.argv[2] ?? 10);
const impl = process.argv[3] ?? fileURLToPath(new URL("../../../labs/raft/reference/index.ts", import.meta.url));

const variants: Array<{ name: string; timeScale: number; opts: ChaosOptions }> = [
  {
    name: "plain, full restart at the end",
    timeScale: 1,
    opts: {
      increments: 1000,
      clients: 20,
      killAfter: 400,
      restartAfterMs: 300,
      deadlineMs: 90_000,
      maxAttempts: 200,
      restartAllAtEnd: true,
      resendEvery: 20,
    },
  },
  {
    name: "200 ms latency, 5% loss",
    timeScale: 4,
    opts: {
      increments: 1000,
      clients: 50,
      killAfter: 400,
      restartAfterMs: 500,
      deadlineMs: 150_000,
      maxAttempts: 300,
      resendEvery: 20,
      faults: { delayMs: 200, jitterMs: 20, drop: 0.05 },
    },
  },
];

let failures = 0;
for (const v of variants) {
  const times: number[] = [];
  const rates: number[] = [];
  let passed = 0;
  for (let i = 1; i <= runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), "faultline-chaos-"));
    const c = new Cluster({
      implPath: impl,
      exportName: realCluster.exportName,
      service: realCluster.service,
      nodes: 3,
      dataDir: join(dir, "data"),
      logDir: join(dir, "logs"),
      timeScale: v.timeScale,
      seed: i,
    });
    try {
      await c.start();
      const r = await runLeaderKillChaos(c, v.opts);
      const ok = r.problems.length === 0;
      if (ok) passed++;
      if (r.newLeaderMs !== undefined) times.push(r.newLeaderMs);
      rates.push(r.throughput);
      console.log(
        `${v.name} run ${i}: ${ok ? "pass" : `FAIL ${r.problems.join("; ")}`}; killed ${r.killed}, new leader after ${r.newLeaderMs ?? "?"} ms, ${r.throughput.toFixed(0)} incr/s, ${(r.wallMs / 1000).toFixed(1)} s`,
      );
    } catch (err) {
      console.log(`${v.name} run ${i}: FAIL ${(err as Error).message} (logs in ${join(dir, "logs")})`);
    } finally {
      await c.stop();
    }
  }
  failures += runs - passed;
  const med = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
  console.log(
    `${v.name}: ${passed}/${runs} passed; time to a new leader after the kill: median ${med(times)} ms, max ${Math.max(...times)} ms; throughput median ${med(rates)?.toFixed(0)} incr/s`,
  );
}
process.exit(failures === 0 ? 0 : 1);
