/**
 * The wire format and the constants of the failure-detector lab. This file is complete; you do
 * not need to change it.
 *
 * Every message is a JSON value. The network copies it when you call `env.send`, and may delay
 * it (a "slow" heartbeat), drop it, or lose everything on a link.
 */
import type { NodeId } from "@faultline/sim";

/** Node to node: "I am alive". `seq` counts the sender's heartbeats since its (re)start. */
export interface Heartbeat {
  type: "heartbeat";
  seq: number;
}

/** Part C: what a member believes about one member (SWIM §4.2). */
export type MemberStatus = "alive" | "suspect" | "dead";

/** Part C: one membership change, piggybacked on pings, acks and ping-reqs (SWIM §4.1). */
export interface Update {
  member: NodeId;
  status: MemberStatus;
  incarnation: number;
}

/** Part C: "are you alive?" from the prober (`seq` is the prober's, echoed by the ack). */
export interface Ping {
  type: "ping";
  seq: number;
  updates: Update[];
}

/** Part C: the answer to a ping; relayed to the prober by the helper of a ping-req. */
export interface Ack {
  type: "ack";
  seq: number;
  updates: Update[];
}

/** Part C: "ping `target` for me and pass its ack back with my `seq`" (SWIM §3.1). */
export interface PingReq {
  type: "ping-req";
  seq: number;
  target: NodeId;
  updates: Update[];
}

/** Part C: a new (or restarted) member asks its seed to be let in. */
export interface Join {
  type: "join";
  incarnation: number;
}

/** Part C: the seed's answer to a join: every member it knows of, with status and incarnation. */
export interface Welcome {
  type: "welcome";
  members: Update[];
}

/** Every message of the lab. */
export type Msg = Heartbeat | Ping | Ack | PingReq | Join | Welcome;

/**
 * Timer tags a node may set: "heartbeat" to send the next round of heartbeats, "check" to look
 * for peers that have been silent too long; Part C: "probe" to start a protocol period,
 * "probe-timeout" when the direct ping of the period has had its time.
 */
export type Timer = "heartbeat" | "check" | "probe" | "probe-timeout";

/** Every node sends a heartbeat to every peer this often (Parts A and B). */
export const HEARTBEAT_INTERVAL_MS = 200;

/**
 * How often a node looks for silent peers. A suspicion can only start in a handler, so this is
 * the granularity of detection: the grader allows it on top of the timeout.
 */
export const CHECK_INTERVAL_MS = 100;

/**
 * What the grader tells `chooseTimeout` about the network and the nodes of an experiment
 * (Part A). Every figure is a bound the experiment never exceeds.
 */
export interface NetworkConditions {
  /** HEARTBEAT_INTERVAL_MS. */
  heartbeatIntervalMs: number;
  /** The ordinary delay of a message: uniform in [min, max] ms (the jitter). */
  delayMs: [min: number, max: number];
  /** The fraction of messages that are slow (0.2: one in five). */
  slowProbability: number;
  /** A slow message takes up to this long in total. */
  slowDelayMaxMs: number;
  /** The longest stop-the-world pause of a node (a garbage collector, a VM migration). */
  pauseMaxMs: number;
}

/** Part B: how many recent inter-arrival times a phi accrual detector keeps per peer. */
export const PHI_WINDOW = 100;

/**
 * Part B: the standard deviation used is never below this (ms). A perfectly regular peer would
 * otherwise have σ = 0, and a heartbeat 1 ms late would be infinitely suspicious.
 */
export const MIN_STD_DEV_MS = 20;

/** Part C: the SWIM protocol period T' (SWIM §3.1): one probe per member per period. */
export const PROTOCOL_PERIOD_MS = 200;

/** Part C: how long to wait for the direct ack before sending ping-reqs (a round trip is at most 40 ms here). */
export const PING_TIMEOUT_MS = 60;

/** Part C: how many other members a prober asks to ping a silent target (SWIM's k). */
export const PING_REQ_MEMBERS = 3;

/** Part C: each change is piggybacked LAMBDA * ceil(log2(n + 1)) times by every member that learns it (SWIM §4.1). */
export const DISSEMINATION_LAMBDA = 3;

/** Part C: how many times a member piggybacks each change it learns, with `members` the members it knows (itself included). */
export function retransmitLimit(members: number): number {
  return DISSEMINATION_LAMBDA * Math.ceil(Math.log2(members + 1));
}

/** Part C: a suspicion turns into "dead" after this long unless refuted (SWIM §4.2), with `members` as above. */
export function suspicionTimeoutMs(members: number): number {
  return 2 * Math.max(1, Math.ceil(Math.log2(members))) * PROTOCOL_PERIOD_MS;
}

/** Part C: every this many periods a member also pings one member it holds dead, so a healed partition merges again. */
export const DEAD_PROBE_EVERY = 3;
