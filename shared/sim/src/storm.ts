/**
 * Storm limits: bounds on how busy a run may get per second of virtual time. A node that answers
 * every reply with another request, or sets several timers per timer, makes the simulator spend
 * wall time on a run that can only fail; a limit stops it at once and names what happened.
 *
 * Counts use fixed windows of one virtual second ([0, 1000), [1000, 2000), ...): a storm is
 * hundreds of times over the bound, so the window's edges do not matter.
 */
import { fmt, SimulationError } from "./errors.ts";
import type { NodeId } from "./types.ts";

export interface StormLimits {
  /** Messages one node may send in one second of virtual time (all types together). */
  sendsPerNodePerSecond: number;
  /** Timers one node may set in one second of virtual time. */
  timersPerNodePerSecond: number;
  /** Events (deliveries, timers, actions) the whole run may process in one second of virtual time. */
  eventsPerSecond: number;
  /** Events scheduled and not yet processed (messages in flight, pending timers). */
  heapSize: number;
}

/** No bounds: the simulator's default, so benchmarks and unit tests may storm on purpose. */
export const NO_STORM_LIMITS: Readonly<StormLimits> = Object.freeze({
  sendsPerNodePerSecond: Infinity,
  timersPerNodePerSecond: Infinity,
  eventsPerSecond: Infinity,
  heapSize: Infinity,
});

/** The highest rates a run reached: what a bound is measured against. */
export interface StormPeaks {
  sendsPerNodePerSecond: number;
  timersPerNodePerSecond: number;
  eventsPerSecond: number;
  heapSize: number;
}

export type StormKind = "message storm" | "timer storm" | "event storm" | "event backlog";

/** A limit was crossed: a normal failure with an invariant name, a node and a time. */
export class StormDetected extends SimulationError {
  constructor(
    readonly invariant: StormKind,
    override readonly node: NodeId | undefined,
    readonly t: number,
    readonly count: number,
    readonly limit: number,
    what: string,
  ) {
    super(what);
    this.name = "StormDetected";
  }
}

const n = (x: number) => Math.round(x).toLocaleString("en-US");

function second(t: number): string {
  const s = Math.floor(t / 1000);
  return `t=${fmt(s * 1000)}..${fmt((s + 1) * 1000)} ms`;
}

/**
 * Counts sends and timers per node and events overall in the current virtual second, and
 * remembers the peaks. Each method returns the error to raise when a limit is crossed.
 */
export class StormMeter {
  readonly limits: StormLimits;
  private window = 0;
  private readonly sends: number[];
  private readonly timers: number[];
  private events = 0;
  /** Per-type send totals of each node when the window opened, to name what a storm sends. */
  private typeBase: Array<Map<string, number> | undefined>;
  private tripped = false;
  private readonly peak: StormPeaks = {
    sendsPerNodePerSecond: 0,
    timersPerNodePerSecond: 0,
    eventsPerSecond: 0,
    heapSize: 0,
  };

  constructor(
    private readonly nodes: readonly NodeId[],
    limits: Partial<StormLimits> | undefined,
    /** Total sends by message type of a node so far (the simulator's own counters). */
    private readonly sentByType: (node: NodeId) => ReadonlyMap<string, number> | undefined,
  ) {
    this.limits = { ...NO_STORM_LIMITS, ...definedOnly(limits) };
    this.sends = new Array<number>(nodes.length).fill(0);
    this.timers = new Array<number>(nodes.length).fill(0);
    this.typeBase = new Array(nodes.length).fill(undefined);
  }

  /** The peaks so far, the current window included. */
  peaks(): StormPeaks {
    this.foldWindow();
    return { ...this.peak };
  }

  /** A node (by index in `nodes`) sent a message at virtual time t. */
  sent(index: number, t: number): StormDetected | undefined {
    if (t >= this.window + 1000) this.roll(t);
    const c = ++this.sends[index]!;
    if (c <= this.limits.sendsPerNodePerSecond || this.tripped) return undefined;
    this.tripped = true;
    const node = this.nodes[index] as NodeId;
    const [type, ofType] = this.topType(index);
    const what =
      ofType === c
        ? `${node} sent ${n(c)} ${type} in 1 s of virtual time (${second(t)}; limit ${n(this.limits.sendsPerNodePerSecond)} messages per node per second): a message storm. Does a reply trigger another request?`
        : `${node} sent ${n(c)} messages (${n(ofType)} of them ${type}) in 1 s of virtual time (${second(t)}; limit ${n(this.limits.sendsPerNodePerSecond)} per node per second): a message storm. Does a reply trigger another request?`;
    return new StormDetected("message storm", node, t, c, this.limits.sendsPerNodePerSecond, what);
  }

  /** A node set a timer at virtual time t. */
  timerSet(index: number, t: number): StormDetected | undefined {
    if (t >= this.window + 1000) this.roll(t);
    const c = ++this.timers[index]!;
    if (c <= this.limits.timersPerNodePerSecond || this.tripped) return undefined;
    this.tripped = true;
    const node = this.nodes[index] as NodeId;
    const what = `${node} set ${n(c)} timers in 1 s of virtual time (${second(t)}; limit ${n(this.limits.timersPerNodePerSecond)} per node per second): a timer storm. Does every message or timer set another timer (or several)?`;
    return new StormDetected("timer storm", node, t, c, this.limits.timersPerNodePerSecond, what);
  }

  /** The simulator is about to process an event at virtual time t with `pending` more queued. */
  event(t: number, pending: number): StormDetected | undefined {
    if (t >= this.window + 1000) this.roll(t);
    const c = ++this.events;
    if (pending > this.peak.heapSize) this.peak.heapSize = pending;
    if (this.tripped) return undefined;
    if (pending > this.limits.heapSize) {
      this.tripped = true;
      return new StormDetected(
        "event backlog",
        undefined,
        t,
        pending,
        this.limits.heapSize,
        `${n(pending)} events are waiting to run at t=${fmt(t)} ms (limit ${n(this.limits.heapSize)}): messages or timers are created faster than they are handled. ${this.busiest()}`,
      );
    }
    if (c > this.limits.eventsPerSecond) {
      this.tripped = true;
      return new StormDetected(
        "event storm",
        undefined,
        t,
        c,
        this.limits.eventsPerSecond,
        `the run processed ${n(c)} events in 1 s of virtual time (${second(t)}; limit ${n(this.limits.eventsPerSecond)}): a storm of messages or timers. ${this.busiest()}`,
      );
    }
    return undefined;
  }

  private busiest(): string {
    let best = -1;
    for (let i = 0; i < this.nodes.length; i++)
      if (best < 0 || this.sends[i]! + this.timers[i]! > this.sends[best]! + this.timers[best]!) best = i;
    if (best < 0) return "";
    const [type, ofType] = this.topType(best);
    return `Busiest this second: ${this.nodes[best]} (${n(this.sends[best]!)} sends${ofType > 0 ? `, most of them ${type}` : ""}; ${n(this.timers[best]!)} timers set).`;
  }

  /** The message type a node sent most in the current window, and how many. */
  private topType(index: number): [string, number] {
    const now = this.sentByType(this.nodes[index] as NodeId);
    const base = this.typeBase[index];
    let top = "messages";
    let most = 0;
    if (now)
      for (const [type, total] of now) {
        const d = total - (base?.get(type) ?? 0);
        if (d > most) [top, most] = [type, d];
      }
    return [top, most];
  }

  private foldWindow(): void {
    for (let i = 0; i < this.nodes.length; i++) {
      if (this.sends[i]! > this.peak.sendsPerNodePerSecond) this.peak.sendsPerNodePerSecond = this.sends[i]!;
      if (this.timers[i]! > this.peak.timersPerNodePerSecond) this.peak.timersPerNodePerSecond = this.timers[i]!;
    }
    if (this.events > this.peak.eventsPerSecond) this.peak.eventsPerSecond = this.events;
  }

  private roll(t: number): void {
    this.foldWindow();
    this.window = Math.floor(t / 1000) * 1000;
    this.sends.fill(0);
    this.timers.fill(0);
    this.events = 0;
    // Only needed to name a message type when a limit trips; skip the copies when unbounded.
    if (
      this.limits.sendsPerNodePerSecond !== Infinity ||
      this.limits.eventsPerSecond !== Infinity ||
      this.limits.heapSize !== Infinity
    )
      this.typeBase = this.nodes.map((id) => {
        const m = this.sentByType(id);
        return m ? new Map(m) : undefined;
      });
  }
}

/** The highest of each peak over several runs (several simulations, several seeds). */
export function maxStormPeaks(all: readonly StormPeaks[]): StormPeaks {
  const out: StormPeaks = { sendsPerNodePerSecond: 0, timersPerNodePerSecond: 0, eventsPerSecond: 0, heapSize: 0 };
  for (const p of all) for (const k of Object.keys(out) as Array<keyof StormPeaks>) out[k] = Math.max(out[k], p[k]);
  return out;
}

function definedOnly(l: Partial<StormLimits> | undefined): Partial<StormLimits> {
  const out: Partial<StormLimits> = {};
  if (l) for (const k of Object.keys(l) as Array<keyof StormLimits>) if (typeof l[k] === "number") out[k] = l[k];
  return out;
}
