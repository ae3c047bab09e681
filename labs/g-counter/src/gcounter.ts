/**
 * Part A: the G-Counter, a grow-only counter, as a state-based CRDT.
 *
 * Background (Shapiro, Preguiça, Baquero, Zawirski, "Conflict-free Replicated Data Types",
 * SSS 2011, and the longer INRIA report RR-7506 "A comprehensive study of Convergent and
 * Commutative Replicated Data Types", 2011, §3.1.2 "State-based increment-only Counter"):
 *
 * - A state-based object's states form a JOIN SEMILATTICE: a partial order ≤ in which any two
 *   states x and y have a least upper bound x ⊔ y. Such a join is necessarily commutative
 *   (x ⊔ y = y ⊔ x), associative ((x ⊔ y) ⊔ z = x ⊔ (y ⊔ z)) and idempotent (x ⊔ x = x).
 * - `merge` computes that least upper bound, and every update is an INFLATION: the state after
 *   an update is ≥ the state before it.
 * - The paper proves that an object with these properties ("monotonic semilattice") is
 *   STRONGLY EVENTUALLY CONSISTENT: given eventual delivery, replicas that have received the same
 *   updates have equal state, whatever the order, repetition or grouping in which states arrived.
 *   That is why the nodes of Part B may gossip over a network that drops, duplicates and reorders.
 *
 * The G-Counter's state is one entry per replica: entry r counts the increments made AT replica
 * r. A replica only ever increments its own entry; the value is the sum of all entries; and the
 * order is entry-wise (x ≤ y when every entry of x is ≤ the same entry of y), so the join is the
 * entry-wise maximum. A replica missing from the state has entry 0.
 *
 * Your task: fill in every method marked TODO. The grader checks each law with property-based
 * tests and shows you the smallest counterexample it found.
 */
import { NotImplemented } from "@faultline/sim";
import type { GCounterState, ReplicaId } from "./messages.ts";

export class GCounter {
  /** The replica that owns this copy: `increment` adds to this replica's entry only. */
  readonly replicaId: ReplicaId;
  /** One entry per replica that has incremented. You may change the representation. */
  protected readonly counts = new Map<ReplicaId, number>();

  /** An empty counter (value 0) owned by `replicaId`. */
  constructor(replicaId: ReplicaId) {
    this.replicaId = replicaId;
  }

  /**
   * Add `amount` (default 1) to this replica's own entry. This is the counter's only update, and
   * it must be an inflation: the new state is ≥ the old one.
   *
   * Reject an amount that is negative, fractional, NaN or infinite by throwing a `RangeError`
   * that says what was wrong, and change nothing. A G-Counter cannot go down: a negative
   * increment would make the state smaller, and the next merge (a maximum) would silently undo it.
   */
  increment(amount = 1): void {
    // TODO: validate `amount`, then add it to the entry of `this.replicaId`.
    throw new NotImplemented("GCounter.increment");
  }

  /** The entry of `replica` (0 if this copy has never heard of it). */
  get(replica: ReplicaId): number {
    // TODO: return the entry, or 0 when there is none.
    throw new NotImplemented("GCounter.get");
  }

  /** The counter's value: the sum of every replica's entry. */
  value(): number {
    // TODO: sum every entry, not only this replica's.
    throw new NotImplemented("GCounter.value");
  }

  /**
   * The least upper bound of `this` and `other`: for every replica known to either of them, the
   * larger of the two entries. Returns a NEW counter owned by `this.replicaId`; neither `this`
   * nor `other` may change, and the result must not share mutable state with them.
   *
   * Keep entries that only `other` knows: they are increments made elsewhere.
   */
  merge(other: GCounter): GCounter {
    // TODO: build a fresh counter for this.replicaId holding the entry-wise maximum.
    throw new NotImplemented("GCounter.merge");
  }

  /**
   * The state as a plain JSON object, e.g. `{ "n1": 4, "n3": 2 }`: a fresh object (changing it
   * must not change the counter). Entries equal to 0 may be left out.
   */
  toJSON(): GCounterState {
    // TODO: copy the entries into a plain object.
    throw new NotImplemented("GCounter.toJSON");
  }

  /**
   * A counter owned by `replicaId` holding `state` (what `toJSON` produced, possibly on another
   * node). Throw a `TypeError` or `RangeError` if `state` is not an object whose values are all
   * non-negative integers: it came over the network and must not corrupt the counter.
   */
  static fromJSON(replicaId: ReplicaId, state: GCounterState): GCounter {
    // TODO: validate `state` and copy its entries into a new counter.
    throw new NotImplemented("GCounter.fromJSON");
  }
}
