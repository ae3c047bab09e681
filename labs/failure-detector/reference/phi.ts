/**
 * Reference of Part B: the phi accrual failure detector (Hayashibara, Défago, Yared, Katayama,
 * SRDS 2004). Per peer, a window of the last PHI_WINDOW inter-arrival times; phi(now) =
 * -log10(P_later(now - last arrival)) under a normal distribution with the window's mean and
 * (population) standard deviation, floored at MIN_STD_DEV_MS.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  CHECK_INTERVAL_MS,
  HEARTBEAT_INTERVAL_MS,
  MIN_STD_DEV_MS,
  PHI_WINDOW,
  type Msg,
  type Timer,
} from "../src/messages.ts";
import { pLater } from "../src/normal.ts";

export class PhiAccrualDetector {
  private readonly intervals: number[] = [];
  private last: number | undefined;

  /** A heartbeat arrived at `now`. */
  heartbeat(now: number): void {
    // The first heartbeat has no interval yet: the interval the peer should keep stands in.
    this.push(this.last === undefined ? HEARTBEAT_INTERVAL_MS : now - this.last);
    this.last = now;
  }

  /** The suspicion level at `now`: 0 before the first heartbeat. */
  phi(now: number): number {
    if (this.last === undefined) return 0;
    const n = this.intervals.length;
    const mean = this.intervals.reduce((a, b) => a + b, 0) / n;
    const variance = this.intervals.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    const stdDev = Math.max(MIN_STD_DEV_MS, Math.sqrt(variance));
    return -Math.log10(pLater(now - this.last, mean, stdDev));
  }

  private push(interval: number): void {
    this.intervals.push(interval);
    if (this.intervals.length > PHI_WINDOW) this.intervals.shift();
  }
}

export interface PhiOptions {
  threshold: number;
}

/** Heartbeats as in Part A; a peer is suspected while its phi is above the threshold. */
export class PhiNode implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private readonly threshold: number;
  private seq = 0;
  private readonly detectors = new Map<NodeId, PhiAccrualDetector>();
  private readonly suspects = new Set<NodeId>();

  constructor(options: PhiOptions) {
    this.threshold = options.threshold;
  }

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    for (const peer of env.peers) this.detectors.set(peer, new PhiAccrualDetector());
    this.beat();
    env.setTimer(CHECK_INTERVAL_MS, "check");
  }

  onMessage(from: NodeId, msg: Msg): void {
    if (msg.type !== "heartbeat") return;
    // The first heartbeat of a (re)started peer: the silence of its crash is no interval to learn from.
    if (msg.seq === 1 || !this.detectors.has(from)) this.detectors.set(from, new PhiAccrualDetector());
    this.detectors.get(from)?.heartbeat(this.env.now());
    this.suspects.delete(from);
  }

  onTimer(tag: Timer): void {
    if (tag === "heartbeat") {
      this.beat();
      return;
    }
    const now = this.env.now();
    for (const [peer, d] of this.detectors) if (d.phi(now) > this.threshold) this.suspects.add(peer);
    this.env.setTimer(CHECK_INTERVAL_MS, "check");
  }

  suspected(): NodeId[] {
    return [...this.suspects].sort();
  }

  /** phi of `peer` at local time `now` (0 for a peer never heard). */
  phi(peer: NodeId, now: number): number {
    return this.detectors.get(peer)?.phi(now) ?? 0;
  }

  private beat(): void {
    this.seq++;
    for (const peer of this.env.peers) this.env.send(peer, { type: "heartbeat", seq: this.seq });
    this.env.setTimer(HEARTBEAT_INTERVAL_MS, "heartbeat");
  }
}
