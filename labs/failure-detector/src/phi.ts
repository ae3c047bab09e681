/**
 * Part B: the phi accrual failure detector (Hayashibara, Défago, Yared, Katayama, "The φ Accrual
 * Failure Detector", SRDS 2004).
 *
 * A fixed timeout answers "suspected or not" with one number chosen in advance for one network.
 * An ACCRUAL detector (§3) outputs a suspicion LEVEL that keeps growing while a peer is silent,
 * and lets each application pick its own threshold. The level adapts to the link it watches:
 *
 * - §4.1-4.2: keep, per peer, a sliding window of the last PHI_WINDOW heartbeat inter-arrival
 *   times; estimate their mean μ and variance σ² (population variance: divide by the count);
 * - φ(t_now) = -log10(P_later(t_now - T_last)), where T_last is the arrival time of the last
 *   heartbeat and P_later(t) = 1 - F(t) is the tail of the normal distribution N(μ, σ²)
 *   (`pLater` in normal.ts, given);
 * - suspect a peer while φ > Φ, the threshold. φ = 1 means a mistake chance of about 10%,
 *   φ = 3 about 0.1%, φ = 8 about 1e-8 (on the model's assumptions).
 *
 * Two details the paper leaves to the implementation, fixed here so the grader can compute the
 * exact φ you should output (as Akka's and Cassandra's detectors do):
 * - σ is never below MIN_STD_DEV_MS;
 * - the first heartbeat of a peer has no interval before it: record HEARTBEAT_INTERVAL_MS in the
 *   window in its place. Before the first heartbeat φ is 0 (a peer never heard is not judged).
 *
 * Because μ and σ come from the recent window, a link that becomes slow and stays slow raises
 * them, and φ stops firing on it once the window holds the new intervals; a crashed peer's φ
 * grows without bound, monotonically, as its silence lasts.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
// Imported for the bodies you will write.
import {
  CHECK_INTERVAL_MS,
  HEARTBEAT_INTERVAL_MS,
  MIN_STD_DEV_MS,
  PHI_WINDOW,
  type Msg,
  type Timer,
} from "./messages.ts";
import { pLater } from "./normal.ts";

/** The accrual detector of one peer: no env, no timers, only arrival times (ms). */
export class PhiAccrualDetector {
  /** A heartbeat from the peer arrived at local time `now`. */
  heartbeat(now: number): void {
    // TODO: push the interval since the previous heartbeat (HEARTBEAT_INTERVAL_MS for the
    // first one) into the window, keep only the last PHI_WINDOW intervals, remember `now`.
    throw new NotImplemented("PhiAccrualDetector.heartbeat");
  }

  /** φ at local time `now`: -log10(P_later(now - last arrival)); 0 before the first heartbeat. */
  phi(now: number): number {
    // TODO: mean and population standard deviation of the window (σ at least MIN_STD_DEV_MS),
    // then -Math.log10(pLater(now - last, mean, σ)).
    throw new NotImplemented("PhiAccrualDetector.phi");
  }
}

export interface PhiOptions {
  /** Suspect a peer while its φ is above this (Φ). */
  threshold: number;
}

/**
 * A node that heartbeats as in Part A and judges each peer with its own PhiAccrualDetector:
 * at every check, a peer whose φ is above the threshold is suspected; a heartbeat from it ends
 * the suspicion.
 */
export class PhiNode implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;
  protected readonly threshold: number;

  constructor(options: PhiOptions) {
    this.threshold = options.threshold;
  }

  start(env: Env<Msg, Timer>): void {
    // TODO: a PhiAccrualDetector per peer, the first heartbeats, the "heartbeat" and "check" timers.
    throw new NotImplemented("PhiNode.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: feed the heartbeat to `from`'s detector (at env.now()) and end its suspicion. A
    // heartbeat with seq 1 comes from a peer that has just (re)started: give it a fresh detector,
    // or the long silence of its crash enters the window and slows every later detection.
    throw new NotImplemented("PhiNode.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: "heartbeat" as in Part A; "check": suspect every peer whose φ(env.now()) is above
    // the threshold, then set the timer again.
    throw new NotImplemented("PhiNode.onTimer");
  }

  /** Read-only hook for the grader: the peers this node suspects right now, sorted. */
  suspected(): NodeId[] {
    // TODO
    throw new NotImplemented("PhiNode.suspected");
  }

  /** Read-only hook for the grader: φ of `peer` at local time `now` (0 for a peer never heard). */
  phi(peer: NodeId, now: number): number {
    // TODO
    throw new NotImplemented("PhiNode.phi");
  }
}
