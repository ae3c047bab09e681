/**
 * Part D: the PN-Counter, a counter that can go up and down, built from two G-Counters.
 *
 * Why not just allow `GCounter.increment(-1)`? Because then an update is no longer an
 * inflation. Say n1's entry is 5 and n1 increments by -2: its entry becomes 3. The next time n1
 * merges the state of a peer that still holds 5 for n1, the entry-wise maximum is 5 again, and
 * the decrement is gone, silently. The lattice laws (Part A) still hold for the maximum, but the
 * state moved DOWN the order, and a join can only move up.
 *
 * Shapiro et al. (INRIA RR-7506, 2011, §3.1.3 "State-based PN-Counter") keep every update an
 * inflation: P counts the increments and N the decrements, each a G-Counter, and the value is
 * value(P) - value(N). A decrement grows N. The pair is ordered component-wise and merged by
 * merging P with P and N with N, so it is again a join semilattice and again strongly eventually
 * consistent.
 */
import { NotImplemented } from "@faultline/sim";
import { GCounter } from "./gcounter.ts";
import type { PNCounterState, ReplicaId } from "./messages.ts";

export class PNCounter {
  readonly replicaId: ReplicaId;
  /** Increments, one entry per replica. */
  protected p: GCounter;
  /** Decrements, one entry per replica. */
  protected n: GCounter;

  /** An empty counter (value 0) owned by `replicaId`. */
  constructor(replicaId: ReplicaId) {
    this.replicaId = replicaId;
    this.p = new GCounter(replicaId);
    this.n = new GCounter(replicaId);
  }

  /** Add `amount` (default 1). Reject negative or non-integer amounts with a `RangeError`. */
  increment(amount = 1): void {
    // TODO: an increment grows P.
    throw new NotImplemented("PNCounter.increment");
  }

  /** Subtract `amount` (default 1). Reject negative or non-integer amounts with a `RangeError`. */
  decrement(amount = 1): void {
    // TODO: a decrement grows N (it does not shrink P).
    throw new NotImplemented("PNCounter.decrement");
  }

  /** value(P) - value(N); may be negative. */
  value(): number {
    // TODO
    throw new NotImplemented("PNCounter.value");
  }

  /** The least upper bound, as a new counter owned by `this.replicaId`; inputs unchanged. */
  merge(other: PNCounter): PNCounter {
    // TODO: merge P with P and N with N.
    throw new NotImplemented("PNCounter.merge");
  }

  /** `{ p: ..., n: ... }`, each a G-Counter state. */
  toJSON(): PNCounterState {
    // TODO
    throw new NotImplemented("PNCounter.toJSON");
  }

  /** A counter owned by `replicaId` holding `state`; throw on a malformed state. */
  static fromJSON(replicaId: ReplicaId, state: PNCounterState): PNCounter {
    // TODO: validate `state` (an object with fields p and n), then use GCounter.fromJSON twice.
    throw new NotImplemented("PNCounter.fromJSON");
  }
}
