/**
 * Simulator benchmarks (`pnpm bench`):
 * 1. message deliveries per second on trivial nodes (ping-pong storm, one core);
 * 2. virtual-to-wall time ratio for 3 nodes exchanging 10 heartbeats per second each;
 * 3. peak resident memory.
 */
import os from "node:os";
import { Simulation, type Env, type Node } from "../src/index.ts";
import { Echo, type Ping } from "./echo-node.ts";

class Heartbeat implements Node<Ping> {
  private env!: Env<Ping>;
  start(env: Env<Ping>): void {
    this.env = env;
    env.setTimer(100, "beat");
  }
  onMessage(): void {}
  onTimer(): void {
    for (const p of this.env.peers) this.env.send(p, { type: "p", n: 0 });
    this.env.setTimer(100, "beat");
  }
}

/** Seconds of CPU this process used (user + system): the cost on one core, whatever else runs. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function deliveriesPerSecond(trace: "off" | "window"): Promise<{ perCpuSecond: number; perWallSecond: number }> {
  let best = { perCpuSecond: 0, perWallSecond: 0 };
  for (let round = 0; round < 5; round++) {
    const sim = new Simulation<Ping>({
      seed: round + 1,
      nodes: 2,
      factory: () => new Echo(),
      trace,
      maxEvents: 1e8,
      faults: { delay: { kind: "uniform", min: 1, max: 3 } },
    });
    const t0 = performance.now();
    const c0 = cpuSeconds();
    await sim.runFor(200_000);
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds() - c0;
    if (sim.stats.delivered / cpu > best.perCpuSecond)
      best = { perCpuSecond: sim.stats.delivered / cpu, perWallSecond: sim.stats.delivered / wall };
  }
  return best;
}

async function heartbeatRatio(): Promise<{ ratio: number; events: number }> {
  const sim = new Simulation<Ping>({
    seed: 1,
    nodes: 3,
    factory: () => new Heartbeat(),
    trace: "window",
    maxEvents: 1e8,
  });
  const virtualMs = 24 * 3600 * 1000; // one simulated day
  const t0 = performance.now();
  await sim.runFor(virtualMs);
  const wall = performance.now() - t0;
  return { ratio: virtualMs / wall, events: sim.stats.events };
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const off = await deliveriesPerSecond("off");
const win = await deliveriesPerSecond("window");
const hb = await heartbeatRatio();
console.log("@faultline/sim benchmark (one core)");
console.log(
  `  deliveries per CPU second, trivial nodes, trace hash only   ${fmt(off.perCpuSecond)}   (target >= 1,000,000; ${fmt(off.perWallSecond)} per wall second)`,
);
console.log(
  `  deliveries per CPU second, trivial nodes, 20k-event window ${fmt(win.perCpuSecond)}   (${fmt(win.perWallSecond)} per wall second)`,
);
console.log(
  `  3 nodes x 10 heartbeats/s: virtual/wall time                ${fmt(hb.ratio)}x   (${fmt(hb.events)} events in one simulated day)`,
);
console.log(`  load average while measuring                               ${os.loadavg()[0]!.toFixed(1)}`);
console.log(
  `  peak RSS                                                   ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
