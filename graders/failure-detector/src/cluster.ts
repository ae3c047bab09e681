/**
 * Clusters of detector nodes and the faults of the experiments: jitter, slow heartbeats, pauses
 * like a garbage collector's, and crashes with restarts, all drawn from the scenario's seed.
 */
import type { Delay, Node, NodeId, Rng, Simulation } from "@faultline/sim";
import type { Msg, NetworkConditions, Timer } from "@faultline/lab-failure-detector";
import type { ScenarioContext } from "@faultline/grading";
import type * as Lab from "@faultline/lab-failure-detector";
import { DetectorWatch } from "./watch.ts";

export type L = typeof Lab;
export type Ctx = ScenarioContext<L>;
export type Sim = Simulation<Msg, Timer>;

export const INTERVAL_MS = 200;

/** The experiment of Part A, first set: slow heartbeats dominate. */
export const SLOW_LINKS: NetworkConditions = {
  heartbeatIntervalMs: INTERVAL_MS,
  delayMs: [1, 20],
  slowProbability: 0.2,
  slowDelayMaxMs: 400,
  pauseMaxMs: 500,
};
/** Second set: long pauses dominate. */
export const LONG_PAUSES: NetworkConditions = {
  heartbeatIntervalMs: INTERVAL_MS,
  delayMs: [1, 20],
  slowProbability: 0.2,
  slowDelayMaxMs: 200,
  pauseMaxMs: 1500,
};

/** The delay of every message under `c`: the jitter, and with slowProbability up to slowDelayMaxMs. */
export function delayOf(c: NetworkConditions): Delay {
  const base: Delay = { kind: "uniform", min: c.delayMs[0], max: c.delayMs[1] };
  return c.slowProbability > 0
    ? { kind: "longTail", base, tailProbability: c.slowProbability, tailMs: c.slowDelayMaxMs }
    : base;
}

/** The longest silence of a live peer under `c`: an interval stretched by a pause, heard as late as a slow message. */
export function longestSilence(c: NetworkConditions): number {
  return c.heartbeatIntervalMs + c.pauseMaxMs + c.slowDelayMaxMs;
}

export interface Cluster {
  sim: Sim;
  watch: DetectorWatch;
}

/** `nodes` detector nodes made by `factory`, watched. */
export function cluster(ctx: Ctx, nodes: number, factory: () => Node<Msg, Timer>, delay: Delay): Cluster {
  const sim: Sim = ctx.sim({ nodes, factory, faults: { delay } });
  return { sim, watch: new DetectorWatch(sim) };
}

/** Heartbeats sent by each node so far. */
export function heartbeatsSent(sim: Sim): Map<NodeId, number> {
  const out = new Map<NodeId, number>();
  for (const [key, n] of sim.stats.sentByType) {
    const [from, type] = key.split(":");
    if (from !== undefined && type === "heartbeat") out.set(from, (out.get(from) ?? 0) + n);
  }
  return out;
}

/** Node-to-node messages sent so far, all types. */
export function nodeMessages(sim: Sim): number {
  let total = 0;
  for (const [key, n] of sim.stats.sentByType) {
    const from = key.split(":")[0];
    if (from !== undefined && sim.nodeIds.includes(from)) total += n;
  }
  return total;
}

export interface Faults {
  /** Crash a random node every `everyMs`, for `downMs`. */
  crashes: { firstAtMs: number; everyMs: number; downMs: number };
  /** Each node pauses on average every `meanGapMs`, for [pauseMaxMs / 4, pauseMaxMs]. */
  pauses?: { meanGapMs: number; pauseMaxMs: number };
}

/**
 * Schedule the experiment's faults until `untilMs`: one crash at a time (never of a paused node)
 * and independent pauses per node (never of a crashed node). Every choice comes from `rng`.
 */
export function scheduleFaults(c: Cluster, rng: Rng, f: Faults, untilMs: number): void {
  const { sim, watch } = c;
  for (let t = f.crashes.firstAtMs; t + 1_000 + f.crashes.downMs < untilMs; t += f.crashes.everyMs) {
    // Off the heartbeat grid: a crash lands anywhere between two heartbeats.
    sim.at(t + rng.int(1_000), "crash", () => {
      const candidates = sim.nodeIds.filter((n) => !watch.isDown(n) && !watch.isPaused(n));
      if (candidates.length === 0) return;
      const victim = rng.pick(candidates);
      watch.crash(victim);
      sim.after(f.crashes.downMs, `restart ${victim}`, () => watch.restart(victim));
    });
  }
  const pauses = f.pauses;
  if (!pauses) return;
  for (const id of sim.nodeIds) {
    let t = 0;
    for (;;) {
      t += Math.round(-pauses.meanGapMs * Math.log(1 - rng.next()));
      const length = Math.round(rng.range(pauses.pauseMaxMs / 4, pauses.pauseMaxMs));
      if (t + length >= untilMs) break;
      sim.at(t, `pause ${id}`, () => {
        if (watch.isDown(id) || watch.isPaused(id)) return;
        watch.pause(id);
        sim.after(length, `resume ${id}`, () => {
          if (watch.isPaused(id)) watch.resume(id);
        });
      });
      t += length;
    }
  }
}
