/**
 * Why a simulated run stopped early. Each error says what broke, where (node) and when
 * (virtual time), in words a learner can act on.
 */
import type { NodeId } from "./types.ts";

export abstract class SimulationError extends Error {
  /** Virtual time in ms when the run stopped. */
  abstract readonly t: number;
  /** Short name of the rule that broke, e.g. "election safety" or "handler threw". */
  abstract readonly invariant: string;
  readonly node?: NodeId | undefined;
}

/** A node handler threw, or used a forbidden source of nondeterminism. */
export class NodeFailure extends SimulationError {
  readonly invariant: string;
  constructor(
    override readonly node: NodeId,
    readonly t: number,
    /** The handler that failed, e.g. "onMessage(AppendEntries from n1)". */
    readonly handler: string,
    override readonly cause: unknown,
    readonly kind: "not-implemented" | "threw" | "nondeterminism",
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      kind === "not-implemented"
        ? `${node} reached unimplemented code in ${handler} at t=${fmt(t)} ms: ${why}`
        : kind === "nondeterminism"
          ? `${node} broke determinism in ${handler} at t=${fmt(t)} ms: ${why}`
          : `${node} threw in ${handler} at t=${fmt(t)} ms: ${why}`,
    );
    this.name = "NodeFailure";
    this.invariant =
      kind === "not-implemented" ? "not implemented" : kind === "nondeterminism" ? "determinism" : "handler threw";
    if (cause instanceof Error && cause.stack) this.stack = `${this.name}: ${this.message}\n  caused by ${cause.stack}`;
  }
}

/** A safety invariant checked after a step did not hold. */
export class InvariantViolation extends SimulationError {
  constructor(
    readonly invariant: string,
    readonly detail: string,
    readonly t: number,
    readonly eventIndex: number,
    override readonly node?: NodeId,
  ) {
    super(`invariant "${invariant}" violated at t=${fmt(t)} ms (event #${eventIndex}): ${detail}`);
    this.name = "InvariantViolation";
  }
}

/** The run used more events than its explicit budget (a runaway loop of messages or timers). */
export class EventBudgetExceeded extends SimulationError {
  readonly invariant = "event budget";
  constructor(
    readonly budget: number,
    readonly t: number,
    readonly busiest: string,
  ) {
    super(
      `run stopped after ${budget} events at t=${fmt(t)} ms (event budget); busiest: ${busiest}. A node that answers every message with several more, or sets many timers per timer, grows without bound.`,
    );
    this.name = "EventBudgetExceeded";
  }
}

/** A progress condition did not hold within its bound after the network healed. */
export class LivenessTimeout extends SimulationError {
  readonly invariant = "liveness";
  constructor(
    readonly what: string,
    readonly boundMs: number,
    readonly t: number,
  ) {
    super(`${what}: not reached within ${boundMs} ms (gave up at t=${fmt(t)} ms)`);
    this.name = "LivenessTimeout";
  }
}

/** Virtual times are printed to the microsecond but without noise. */
export function fmt(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(3).replace(/0+$/, "");
}
