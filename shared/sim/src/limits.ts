/**
 * Explicit bounds on everything a run keeps that can grow. Past a bound the run stops with an
 * error that names the bound, instead of growing until the machine runs out of memory. The
 * defaults are far above what a correct lab needs and keep a run well under 1 GiB.
 */
import { fmt, SimulationError } from "./errors.ts";
import type { NodeId } from "./types.ts";

export interface QueueLimits {
  /** Events scheduled and not yet run: messages in flight, timers, grader actions. */
  pendingEvents: number;
  /** Messages held on one clogged link until it is unclogged or healed. */
  heldPerLink: number;
  /** Messages and timers waiting for one paused node to resume. */
  queuedPerPausedNode: number;
  /** Message types counted per sender in `stats.sentByType`; more count as "(other types)". */
  messageTypesPerSender: number;
}

export const DEFAULT_QUEUE_LIMITS: Readonly<QueueLimits> = Object.freeze({
  pendingEvents: 2_000_000,
  heldPerLink: 200_000,
  queuedPerPausedNode: 200_000,
  messageTypesPerSender: 1_000,
});

export function queueLimits(given: Partial<QueueLimits> | undefined): QueueLimits {
  const out = { ...DEFAULT_QUEUE_LIMITS };
  if (given)
    for (const k of Object.keys(DEFAULT_QUEUE_LIMITS) as Array<keyof QueueLimits>) {
      const v = given[k];
      if (v === undefined) continue;
      if (!(Number.isInteger(v) && v >= 1))
        throw new RangeError(`queueLimits.${k} must be a positive integer, got ${v}`);
      out[k] = v;
    }
  return out;
}

const n = (x: number) => x.toLocaleString("en-US");

/** A queue reached its bound: names the bound, where it filled up and when. */
export class QueueLimitExceeded extends SimulationError {
  readonly invariant = "queue limit";
  constructor(
    /** Which bound (a key of QueueLimits). */
    readonly limit: keyof QueueLimits,
    readonly value: number,
    /** What filled up: "the event queue", "link n1->n2", "paused n3". */
    readonly where: string,
    readonly t: number,
    override readonly node?: NodeId,
  ) {
    super(
      `${where} reached its limit of ${n(value)} (queueLimits.${limit}) at t=${fmt(t)} ms: something creates messages or timers without bound`,
    );
    this.name = "QueueLimitExceeded";
  }
}
