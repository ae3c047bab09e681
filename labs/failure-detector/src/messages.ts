/**
 * The wire format and the constants of the failure-detector lab. This file is complete; you do
 * not need to change it.
 *
 * Every message is a JSON value. The network copies it when you call `env.send`, and may delay
 * it (a "slow" heartbeat), drop it, or lose everything on a link.
 */

/** Node to node: "I am alive". `seq` counts the sender's heartbeats since its (re)start. */
export interface Heartbeat {
  type: "heartbeat";
  seq: number;
}

/** Every message of the lab. */
export type Msg = Heartbeat;

/**
 * Timer tags a node may set: "heartbeat" to send the next round of heartbeats, "check" to look
 * for peers that have been silent too long.
 */
export type Timer = "heartbeat" | "check";

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
