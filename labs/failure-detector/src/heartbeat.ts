/**
 * Part A: a failure detector with a fixed timeout.
 *
 * Chandra and Toueg ("Unreliable Failure Detectors for Reliable Distributed Systems", JACM 1996,
 * §2.2-2.3) describe a failure detector by two properties: COMPLETENESS (every crashed process is
 * eventually suspected by every correct process) and ACCURACY (correct processes are not
 * suspected). In an asynchronous system no detector has both, because a slow process looks
 * exactly like a dead one: a detector can only make mistakes, and the question is how often.
 * Chen, Toueg and Aguilera (2002) turned that into measurable quality of service: the DETECTION
 * TIME (from the crash until the suspicion) and the MISTAKE RATE (false suspicions per unit of
 * time). This part measures both.
 *
 * The simplest detector: every node sends a heartbeat to every peer every HEARTBEAT_INTERVAL_MS;
 * a node suspects a peer it has not heard from for longer than `timeoutMs`, and trusts it again
 * as soon as a heartbeat arrives. A short timeout detects crashes fast and suspects every slow
 * heartbeat; a long one is accurate and slow. The grader runs the experiment and prints the
 * trade-off table; `chooseTimeout` is your pick for the conditions it states.
 *
 * The rules the grader checks:
 * - heartbeats go to every peer, every HEARTBEAT_INTERVAL_MS, from start until a crash;
 * - a crashed peer is suspected within timeoutMs + HEARTBEAT_INTERVAL_MS of its crash (plus the
 *   slowest delay of the experiment): look for silent peers every CHECK_INTERVAL_MS;
 * - a live peer is never suspected on a network that delivers its heartbeats in time, and a
 *   suspicion ends when the peer is heard again.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
// Imported for the bodies you will write: the periods, the message and the conditions.
import { CHECK_INTERVAL_MS, HEARTBEAT_INTERVAL_MS, type Msg, type NetworkConditions, type Timer } from "./messages.ts";

export interface HeartbeatOptions {
  /** Suspect a peer not heard from for longer than this (ms of this node's clock). */
  timeoutMs: number;
}

export class HeartbeatNode implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;
  protected readonly timeoutMs: number;

  constructor(options: HeartbeatOptions) {
    this.timeoutMs = options.timeoutMs;
  }

  start(env: Env<Msg, Timer>): void {
    // TODO: keep `env`; count every peer as heard at env.now() (a peer gets one timeout to be
    // heard after a start); send the first heartbeats and set the "heartbeat" and "check" timers.
    throw new NotImplemented("HeartbeatNode.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: on a heartbeat, remember when `from` was last heard (env.now(), never the wall
    // clock) and stop suspecting it.
    throw new NotImplemented("HeartbeatNode.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: "heartbeat": send { type: "heartbeat", seq } to every peer and set the timer again.
    // "check": suspect every peer silent for longer than timeoutMs, and set the timer again.
    throw new NotImplemented("HeartbeatNode.onTimer");
  }

  /** Read-only hook for the grader: the peers this node suspects right now, sorted. */
  suspected(): NodeId[] {
    // TODO
    throw new NotImplemented("HeartbeatNode.suspected");
  }
}

/**
 * Your timeout for the experiment's conditions: long enough that a LIVE peer is (almost) never
 * silent that long, short enough that a crash is still detected fast. Work out the longest
 * silence a live peer can show: how late can the next heartbeat be when the sender pauses, and
 * when a heartbeat is slow? The grader requires both false suspicions and detection time under
 * the bounds in the README, for two sets of conditions.
 */
export function chooseTimeout(conditions: NetworkConditions): number {
  // TODO: derive the timeout from the conditions (not a constant: the grader tries two).
  throw new NotImplemented("chooseTimeout");
}
