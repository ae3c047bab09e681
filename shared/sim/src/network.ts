/**
 * Fault configuration of the simulated network: per-link drop, duplication and delay, plus the
 * topology faults (partitions, one-way blocks, clogged links). Pure data and decisions; the
 * simulation loop asks it what happens to each message.
 */
import type { NodeId } from "./types.ts";
import type { Rng } from "./random.ts";

/** How long a message spends in flight. Any non-constant delay also reorders messages. */
export type Delay =
  | { kind: "constant"; ms: number }
  | { kind: "uniform"; min: number; max: number }
  /** `min` plus an exponential with the given mean. */
  | { kind: "exponential"; mean: number; min?: number }
  /** Mostly `base`, but with probability `tailProbability` a delay uniform in [base, tailMs]. */
  | { kind: "longTail"; base: Delay; tailProbability: number; tailMs: number };

export interface LinkFaults {
  /** Probability that a message is lost. */
  drop: number;
  /** Probability that a message is delivered more than once. */
  duplicate: number;
  /** Extra copies delivered when a message is duplicated (each with its own delay). */
  copies: number;
  delay: Delay;
  /**
   * The delay of the extra copies (default: `delay`): a copy that arrives long after the
   * original, as a retransmission held in some queue would.
   */
  copyDelay?: Delay;
}

export const RELIABLE: LinkFaults = Object.freeze({
  drop: 0,
  duplicate: 0,
  copies: 1,
  delay: Object.freeze({ kind: "uniform", min: 1, max: 5 }) as Delay,
});

export function validateFaults(f: Partial<LinkFaults>): void {
  for (const k of ["drop", "duplicate"] as const) {
    const v = f[k];
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`${k} rate must be in [0, 1], got ${v}`);
  }
  if (f.copies !== undefined && !(Number.isInteger(f.copies) && f.copies >= 1 && f.copies <= 100)) {
    throw new RangeError(`copies must be an integer in [1, 100], got ${f.copies}`);
  }
  if (f.delay) validateDelay(f.delay);
  if (f.copyDelay) validateDelay(f.copyDelay);
}

function validateDelay(d: Delay): void {
  const bad = (msg: string) => {
    throw new RangeError(`invalid delay ${JSON.stringify(d)}: ${msg}`);
  };
  switch (d.kind) {
    case "constant":
      if (!(d.ms >= 0)) bad("ms must be >= 0");
      break;
    case "uniform":
      if (!(d.min >= 0 && d.max >= d.min)) bad("need 0 <= min <= max");
      break;
    case "exponential":
      if (!(d.mean > 0) || (d.min ?? 0) < 0) bad("need mean > 0 and min >= 0");
      break;
    case "longTail":
      validateDelay(d.base);
      if (!(d.tailProbability >= 0 && d.tailProbability <= 1) || !(d.tailMs >= 0))
        bad("need tailProbability in [0,1], tailMs >= 0");
      break;
    default:
      bad("unknown kind");
  }
}

/** Draw one delay in ms (rounded to microseconds so traces print cleanly). */
export function sampleDelay(d: Delay, rng: Rng): number {
  let ms: number;
  switch (d.kind) {
    case "constant":
      ms = d.ms;
      break;
    case "uniform":
      ms = d.min === d.max ? d.min : rng.range(d.min, d.max);
      break;
    case "exponential":
      ms = (d.min ?? 0) - d.mean * Math.log(1 - rng.next());
      break;
    case "longTail": {
      const base = sampleDelay(d.base, rng);
      ms = rng.chance(d.tailProbability) ? rng.range(base, Math.max(base, d.tailMs)) : base;
      break;
    }
  }
  return Math.round(ms * 1000) / 1000;
}

const linkKey = (from: NodeId, to: NodeId) => `${from}\u0000${to}`;

/**
 * The network's current fault state. Resolution of a link's faults, field by field:
 * the link's own setting, else the sender's node setting, else the receiver's, else global.
 */
export class NetworkFaults {
  private global: LinkFaults = { ...RELIABLE };
  private perNode = new Map<NodeId, Partial<LinkFaults>>();
  private perLink = new Map<string, Partial<LinkFaults>>();
  /** Directed links that lose everything (partitions and one-way blocks). */
  private blocked = new Set<string>();
  /** Directed links that hold messages until released. */
  private clogged = new Set<string>();
  /** Resolved faults by sender then receiver (no string keys on the hot path). */
  private cache = new Map<NodeId, Map<NodeId, LinkFaults>>();

  setGlobal(f: Partial<LinkFaults>): void {
    validateFaults(f);
    this.global = { ...this.global, ...f };
    this.cache.clear();
  }

  setNode(id: NodeId, f: Partial<LinkFaults> | undefined): void {
    if (f) validateFaults(f);
    if (f) this.perNode.set(id, { ...this.perNode.get(id), ...f });
    else this.perNode.delete(id);
    this.cache.clear();
  }

  setLink(from: NodeId, to: NodeId, f: Partial<LinkFaults> | undefined): void {
    if (f) validateFaults(f);
    const k = linkKey(from, to);
    if (f) this.perLink.set(k, { ...this.perLink.get(k), ...f });
    else this.perLink.delete(k);
    this.cache.clear();
  }

  /** Drop every per-node and per-link override and reset global faults to reliable. */
  resetFaults(): void {
    this.global = { ...RELIABLE };
    this.perNode.clear();
    this.perLink.clear();
    this.cache.clear();
  }

  faults(from: NodeId, to: NodeId): LinkFaults {
    let row = this.cache.get(from);
    if (!row) this.cache.set(from, (row = new Map()));
    let f = row.get(to);
    if (!f) {
      const l = this.perLink.get(linkKey(from, to)) ?? {};
      const s = this.perNode.get(from) ?? {};
      const r = this.perNode.get(to) ?? {};
      const g = this.global;
      f = {
        drop: l.drop ?? s.drop ?? r.drop ?? g.drop,
        duplicate: l.duplicate ?? s.duplicate ?? r.duplicate ?? g.duplicate,
        copies: l.copies ?? s.copies ?? r.copies ?? g.copies,
        delay: l.delay ?? s.delay ?? r.delay ?? g.delay,
      };
      const copyDelay = l.copyDelay ?? s.copyDelay ?? r.copyDelay ?? g.copyDelay;
      if (copyDelay !== undefined) f.copyDelay = copyDelay;
      row.set(to, f);
    }
    return f;
  }

  block(from: NodeId, to: NodeId): void {
    this.blocked.add(linkKey(from, to));
  }

  unblock(from: NodeId, to: NodeId): void {
    this.blocked.delete(linkKey(from, to));
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.size > 0 && this.blocked.has(linkKey(from, to));
  }

  clog(from: NodeId, to: NodeId): void {
    this.clogged.add(linkKey(from, to));
  }

  unclog(from: NodeId, to: NodeId): void {
    this.clogged.delete(linkKey(from, to));
  }

  isClogged(from: NodeId, to: NodeId): boolean {
    return this.clogged.size > 0 && this.clogged.has(linkKey(from, to));
  }

  /** Remove every partition and block (clogs are released by the simulation, which holds the messages). */
  clearBlocks(): void {
    this.blocked.clear();
  }

  clearClogs(): void {
    this.clogged.clear();
  }
}
