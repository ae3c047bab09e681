/**
 * The workload of parts A, B and D (given, nothing to write here). Every node takes a "step"
 * every few milliseconds of its own clock; a step is one event: a local event, or a message to
 * a peer chosen at random. The grader watches these events and checks your timestamps.
 */
import type { Env, NodeId } from "@faultline/sim";

/** Share of steps that are local events; the rest send a message. */
export const LOCAL_EVENT_SHARE = 0.3;
/** A step every 2 to 12 ms of the node's local clock. */
export const STEP_MS: Readonly<{ min: number; max: number }> = { min: 2, max: 12 };

/** Delay until the next step. */
export function nextStepDelay(env: Env<unknown, string>): number {
  return STEP_MS.min + env.random() * (STEP_MS.max - STEP_MS.min);
}

/** What the next step does: undefined for a local event, else the peer to send a message to. */
export function chooseStep(env: Env<unknown, string>): NodeId | undefined {
  const peers = env.peers;
  if (peers.length === 0 || env.random() < LOCAL_EVENT_SHARE) return undefined;
  return peers[Math.floor(env.random() * peers.length)];
}
