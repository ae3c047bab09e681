/**
 * The grader's record of what the detectors believed and what was true. After every step it
 * reads each live node's `suspected()` hook and turns changes into events, classified against
 * the ground truth the grader controls (who is crashed, who is paused):
 *
 * - a suspicion of a crashed peer is a DETECTION, timed from the crash (Chen, Toueg and
 *   Aguilera's detection time T_D);
 * - a suspicion of a peer that is up (paused ones included: a paused process has not crashed)
 *   is a MISTAKE, counted per node-hour (their mistake rate).
 *
 * Verdicts come from virtual time and counted events only, so they are a function of the seed.
 */
import type { NodeId } from "@faultline/sim";
import type { Sim } from "./cluster.ts";

/** What the grader reads of a node. */
export interface DetectorHook {
  suspected(): readonly NodeId[];
}

export interface Mistake {
  t: number;
  observer: NodeId;
  target: NodeId;
  /** The target was paused at the time (alive, but silent). */
  paused: boolean;
}

export interface Miss {
  observer: NodeId;
  target: NodeId;
  crashedAt: number;
  restartedAt: number;
}

export class DetectorWatch {
  /** Detection times in ms, one per (observer, crash). */
  readonly detections: number[] = [];
  readonly mistakes: Mistake[] = [];
  /** A crash an observer never suspected before the target came back. */
  readonly misses: Miss[] = [];
  /** Suspicions of a crashed peer withdrawn while it was still down (it cannot have been heard). */
  readonly withdrawnWhileDown: Array<{ t: number; observer: NodeId; target: NodeId }> = [];
  /** Who suspects whom right now, per observer, with the instance it was read from. */
  private readonly beliefs = new Map<NodeId, { instance: unknown; suspects: Set<NodeId> }>();
  private readonly crashedAt = new Map<NodeId, number>();
  /** Detections in progress: key observer>target, value crash time. */
  private readonly pending = new Map<string, number>();
  private readonly paused = new Set<NodeId>();
  /** (observer, live target) pairs suspected after the last step, and since when. */
  private wrongPairs = 0;
  private wrongSince = 0;
  /** Pair-milliseconds during which a live peer was suspected (Chen, Toueg and Aguilera's query accuracy, inverted). */
  wrongPairMs = 0;

  constructor(private readonly sim: Sim) {
    sim.addInvariant("the detector hook answers", () => {
      this.observe();
      return undefined;
    });
  }

  /** The peers `observer` suspects now, as last read (empty when it is down). */
  suspects(observer: NodeId): ReadonlySet<NodeId> {
    return this.beliefs.get(observer)?.suspects ?? new Set();
  }

  isDown(id: NodeId): boolean {
    return this.crashedAt.has(id);
  }

  isPaused(id: NodeId): boolean {
    return this.paused.has(id);
  }

  crash(id: NodeId): void {
    const t = this.sim.now;
    this.sim.crash(id);
    this.crashedAt.set(id, t);
    this.beliefs.delete(id);
    for (const key of [...this.pending.keys()]) if (key.startsWith(`${id}>`)) this.pending.delete(key);
    for (const observer of this.sim.nodeIds) {
      if (observer === id || this.isDown(observer) || this.paused.has(observer)) continue;
      // Already suspected (a mistake that turned out right): detected at once.
      if (this.suspects(observer).has(id)) this.detections.push(0);
      else this.pending.set(`${observer}>${id}`, t);
    }
  }

  restart(id: NodeId): void {
    const crashedAt = this.crashedAt.get(id);
    this.sim.restart(id);
    this.crashedAt.delete(id);
    for (const [key, at] of [...this.pending]) {
      const [observer, target] = key.split(">") as [NodeId, NodeId];
      if (target !== id) continue;
      this.pending.delete(key);
      this.misses.push({ observer, target, crashedAt: crashedAt ?? at, restartedAt: this.sim.now });
    }
  }

  pause(id: NodeId): void {
    this.sim.pause(id);
    this.paused.add(id);
    // A frozen observer cannot detect anything: its detection time would measure the pause.
    for (const key of [...this.pending.keys()]) if (key.startsWith(`${id}>`)) this.pending.delete(key);
  }

  resume(id: NodeId): void {
    this.sim.resume(id);
    this.paused.delete(id);
  }

  private observe(): void {
    for (const [observer, node] of this.sim.liveNodes<DetectorHook>()) {
      const before = this.beliefs.get(observer);
      // A restarted node is a new instance: it starts from suspecting nobody.
      const old = before && before.instance === node ? before.suspects : new Set<NodeId>();
      const now = suspectedBy(node);
      for (const target of now) if (!old.has(target)) this.started(observer, target);
      for (const target of old)
        if (!now.has(target) && this.isDown(target))
          this.withdrawnWhileDown.push({ t: this.sim.now, observer, target });
      this.beliefs.set(observer, { instance: node, suspects: now });
    }
    // A suspicion held for long is as wrong as many short ones: integrate it over time.
    const t = this.sim.now;
    this.wrongPairMs += this.wrongPairs * (t - this.wrongSince);
    this.wrongSince = t;
    let wrong = 0;
    for (const [observer, b] of this.beliefs) {
      if (this.isDown(observer)) continue;
      for (const target of b.suspects) if (!this.isDown(target)) wrong++;
    }
    this.wrongPairs = wrong;
  }

  /** The share of observer-peer time in which a live peer was suspected, up to now. */
  wrongShare(): number {
    const n = this.sim.nodeIds.length;
    const pairMs = n * (n - 1) * this.sim.now;
    return pairMs > 0 ? (this.wrongPairMs + this.wrongPairs * (this.sim.now - this.wrongSince)) / pairMs : 0;
  }

  private started(observer: NodeId, target: NodeId): void {
    const t = this.sim.now;
    if (!this.isDown(target)) {
      this.mistakes.push({ t, observer, target, paused: this.paused.has(target) });
      return;
    }
    const key = `${observer}>${target}`;
    const at = this.pending.get(key);
    if (at === undefined) return;
    this.pending.delete(key);
    this.detections.push(t - at);
  }
}

/**
 * A node's suspects, read element by element: the length comes with every handler's reply
 * (LabGrader.observe), so the usual empty list costs no call into the node.
 */
export function suspectedBy(node: DetectorHook): Set<NodeId> {
  const list = node.suspected();
  const out = new Set<NodeId>();
  for (let i = 0; i < list.length; i++) out.add(list[i] as NodeId);
  return out;
}

/** The q-quantile (0..1) of `xs` by the nearest-rank method; NaN when empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}
