/**
 * The nemesis: who breaks the system and when. Scripted schedules say exactly which fault
 * happens at which virtual time; random schedules draw faults from the run's nemesis stream,
 * with a fault profile chosen by the seed, so every seed attacks a little differently and
 * every attack replays exactly.
 */
import type { Simulation } from "./simulation.ts";
import type { NodeId } from "./types.ts";
import type { Rng } from "./random.ts";

// biome-ignore lint/suspicious/noExplicitAny: a nemesis drives simulations of any node and message types
type AnySim = Simulation<any, any>;

export interface NemesisStep {
  /** Absolute virtual time in ms. */
  at: number;
  label: string;
  run: (sim: AnySim) => void;
}

/** Schedule a scripted fault timeline. */
export function script(sim: AnySim, steps: readonly NemesisStep[]): void {
  for (const s of steps)
    sim.at(s.at, `nemesis: ${s.label}`, () => {
      sim.note("log", "net", `nemesis: ${s.label}`);
      s.run(sim);
    });
}

export interface FaultProfile {
  /** Symmetric partitions into two sides. */
  partitions: boolean;
  /** One-way link blocks. */
  oneWay: boolean;
  /** Crash a node, restart it at the next step. */
  crashes: boolean;
  /** Pause a node (timers fire late, messages queue). */
  pauses: boolean;
  /** Hold a link's messages, release them later. */
  clogs: boolean;
  /** Bursts of message loss and duplication. */
  loss: boolean;
  /** Clock offsets, drift and jumps. */
  clocks: boolean;
}

export const ALL_FAULTS: FaultProfile = {
  partitions: true,
  oneWay: true,
  crashes: true,
  pauses: true,
  clogs: true,
  loss: true,
  clocks: true,
};
const KINDS = Object.keys(ALL_FAULTS) as Array<keyof FaultProfile>;

/** A seed-chosen profile: each fault kind on with probability 1/2 among `allowed`, at least one on. */
export function chooseProfile(rng: Rng, allowed: FaultProfile = ALL_FAULTS): FaultProfile {
  const on = KINDS.filter((k) => allowed[k]);
  if (on.length === 0) throw new Error("chooseProfile: no fault kind allowed");
  const p: FaultProfile = {
    partitions: false,
    oneWay: false,
    crashes: false,
    pauses: false,
    clogs: false,
    loss: false,
    clocks: false,
  };
  for (const k of on) p[k] = rng.chance(0.5);
  if (!KINDS.some((k) => p[k])) p[rng.pick(on)] = true;
  return p;
}

export interface RandomNemesisOptions {
  /** First fault at this virtual time (default: now + first interval). */
  from?: number;
  /** Stop injecting and heal everything at this virtual time. */
  until: number;
  /** Time between fault steps, drawn uniformly (default [200, 1000] ms). */
  intervalMs?: [number, number];
  /** Fault kinds to use; "seeded" lets the seed choose among the allowed ones (default). */
  profile?: FaultProfile | "seeded";
  /** Kinds the seeded choice may pick from (default all). */
  allowed?: Partial<FaultProfile>;
  /** At most this many nodes crashed or paused at once (default: a minority). */
  maxDown?: number;
  /** Largest clock offset or jump in ms (default 300). */
  maxSkewMs?: number;
}

/** A seeded random fault schedule. Returns the profile in use (reported to learners). */
export function randomNemesis(sim: AnySim, opts: RandomNemesisOptions): FaultProfile {
  const rng = sim.nemesisRng;
  const allowed = { ...ALL_FAULTS, ...(opts.allowed ?? {}) };
  const profile = opts.profile === undefined || opts.profile === "seeded" ? chooseProfile(rng, allowed) : opts.profile;
  const kinds = KINDS.filter((k) => profile[k]);
  const [lo, hi] = opts.intervalMs ?? [200, 1000];
  const nodes = sim.nodeIds;
  const maxDown = opts.maxDown ?? Math.floor((nodes.length - 1) / 2);
  const maxSkew = opts.maxSkewMs ?? 300;
  const undo: Array<() => void> = [];

  const heal = () => {
    while (undo.length) (undo.pop() as () => void)();
  };
  const down = () => nodes.filter((n) => !sim.isUp(n) || sim.isPaused(n)).length;

  const step = () => {
    heal();
    if (sim.now >= opts.until) return;
    const kind = rng.pick(kinds);
    switch (kind) {
      case "partitions": {
        const shuffled = rng.shuffle(nodes);
        const cut = 1 + rng.int(Math.max(1, nodes.length - 1));
        const a = shuffled.slice(0, cut);
        const b = shuffled.slice(cut);
        sim.partition(a, b);
        undo.push(() => sim.heal());
        break;
      }
      case "oneWay": {
        const from = rng.pick(nodes);
        const to = rng.pick(nodes.filter((n) => n !== from));
        if (to === undefined) break;
        sim.blockOneWay(from, to);
        undo.push(() => sim.unblockOneWay(from, to));
        break;
      }
      case "crashes": {
        if (down() >= maxDown) break;
        const victim = rng.pick(nodes.filter((n) => sim.isUp(n) && !sim.isPaused(n)));
        if (victim === undefined) break;
        sim.crash(victim);
        undo.push(() => {
          if (!sim.isUp(victim)) sim.restart(victim);
        });
        break;
      }
      case "pauses": {
        if (down() >= maxDown) break;
        const victim = rng.pick(nodes.filter((n) => sim.isUp(n) && !sim.isPaused(n)));
        if (victim === undefined) break;
        sim.pause(victim);
        undo.push(() => sim.resume(victim));
        break;
      }
      case "clogs": {
        const from = rng.pick(nodes);
        const to = rng.pick(nodes.filter((n) => n !== from));
        if (to === undefined) break;
        sim.clog(from, to);
        undo.push(() => sim.unclog(from, to));
        break;
      }
      case "loss": {
        const before = sim.linkFaults("\u0000", "\u0000");
        sim.setFaults({ drop: rng.range(0.05, 0.4), duplicate: rng.range(0, 0.2) });
        undo.push(() => sim.setFaults({ drop: before.drop, duplicate: before.duplicate }));
        break;
      }
      case "clocks": {
        const victim: NodeId = rng.pick(nodes);
        const r = rng.int(3);
        if (r === 0) sim.setClock(victim, { offset: Math.round(rng.range(-maxSkew, maxSkew)) });
        else if (r === 1) sim.setClock(victim, { drift: Math.round(rng.range(-0.05, 0.05) * 1000) / 1000 });
        else sim.clockJump(victim, Math.round(rng.range(-maxSkew, maxSkew)));
        break;
      }
    }
    scheduleNext();
  };
  const scheduleNext = () => {
    const t = sim.now + Math.round(rng.range(lo, hi));
    if (t < opts.until) sim.at(t, "nemesis step", step);
  };
  const first = opts.from ?? sim.now + Math.round(rng.range(lo, hi));
  if (first < opts.until) sim.at(first, "nemesis step", step);
  sim.at(opts.until, "nemesis: heal", () => {
    heal();
    sim.healAll();
  });
  sim.note("log", "net", `nemesis profile: ${kinds.join(", ")}`);
  return profile;
}
