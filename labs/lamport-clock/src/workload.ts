/**
 * The workload of parts A, B and D (given, nothing to write here). Every node takes a "step"
 * every few milliseconds of its own clock; a step is one event: a local event, or a message to
 * a peer chosen at random. The grader watches these events and checks your timestamps.
 *
 * `LamportNode`, `VectorNode` and `HlcNode` extend `WorkloadNode`, which runs the steps: you
 * write their `localEvent`, `sendTo` and `onMessage`.
 */
import type { Env, Node, NodeId } from "@faultline/sim";

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

/**
 * A node of parts A, B and D. Given: `start` keeps `env`, calls `boot()` and schedules the
 * first step; `onTimer` runs one step (`localEvent()` or `sendTo(peer)`, exactly one clock
 * event) and schedules the next one.
 */
export abstract class WorkloadNode<M> implements Node<M> {
  protected env!: Env<M>;

  start(env: Env<M>): void {
    this.env = env;
    this.boot();
    env.setTimer(nextStepDelay(env), "step");
  }

  /** Set up the node's state at boot and after every restart, before the first step. */
  protected boot(): void {}

  /** One workload step, then the next one is scheduled. */
  onTimer(tag: string): void {
    if (tag !== "step") return;
    const to = chooseStep(this.env);
    if (to === undefined) this.localEvent();
    else this.sendTo(to);
    this.env.setTimer(nextStepDelay(this.env), "step");
  }

  /** A receive event: a message from `from`. */
  abstract onMessage(from: NodeId, msg: M): void;

  /** A local event. */
  abstract localEvent(): void;

  /** A send event: one message to `peer`. */
  abstract sendTo(peer: NodeId): void;
}
