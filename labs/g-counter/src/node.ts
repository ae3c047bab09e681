/**
 * Parts B, C and D: nodes that each hold a replica of the counter, serve clients, and gossip
 * their whole state to their peers on a timer.
 *
 * Why this works over a hostile network: a gossip message carries a state, and merging a state
 * is commutative, associative and idempotent (Part A). So a duplicated gossip changes nothing
 * (idempotent), a late one cannot undo a newer one (the join only moves up), and order does not
 * matter (commutative, associative). A lost gossip is repaired by the next one, because every
 * gossip carries everything the sender knows. This is the strong eventual consistency of
 * Shapiro et al. (SSS 2011): once gossip gets through, replicas that have seen the same updates
 * agree.
 *
 * The rules the grader checks:
 * - `add` with a valid delta: apply it to your replica, make it durable, then answer `add_ok`.
 *   `add` with an invalid delta (for a G-Counter: negative or fractional): answer `add_error`
 *   and change nothing.
 * - `read`: answer `read_ok` with your replica's current value.
 * - Gossip your state to every peer periodically, forever: a message can be lost at any time,
 *   and a partition can heal at any time.
 * - Part C, crash and restart: a fresh instance is created at restart with empty fields; only
 *   `env.disk` survives, and only what was `sync()`ed. This lab restarts a node UNDER THE SAME
 *   REPLICA ID, so the node must restore its own entry from disk before it increments again.
 *   Otherwise its new increments start from 0 under an id whose entry the peers already hold at
 *   a higher value, and the maximum in merge hides them. Sync before you acknowledge an add, or
 *   a crash right after `add_ok` loses an acknowledged increment.
 *
 * The grader reads `value()` at every step (a replica's value must never go down, nor exceed
 * what clients added) and after the network heals (every replica must agree within 1000 ms).
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
import { GCounter } from "./gcounter.ts";
import { PNCounter } from "./pncounter.ts";
// Imported for the bodies you will write: the disk key, the gossip period and the state types.
import {
  DISK_KEY,
  GOSSIP_INTERVAL_MS,
  type GCounterState,
  type Msg,
  type PNCounterState,
  type Timer,
} from "./messages.ts";

/** A node holding a G-Counter replica (Parts B and C). */
export class GCounterNode implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;
  protected counter!: GCounter;

  start(env: Env<Msg, Timer>): void {
    // TODO: keep `env`, restore the counter from `env.disk` (or start an empty one for env.id),
    // and set the first gossip timer (see GOSSIP_INTERVAL_MS).
    throw new NotImplemented("GCounterNode.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: handle "add" (increment, persist with env.disk.write + sync, then reply add_ok, or
    // add_error if increment throws), "read" (reply read_ok) and "gossip" (merge the state).
    throw new NotImplemented("GCounterNode.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: send { type: "gossip", state } to every peer, then set the timer again.
    throw new NotImplemented("GCounterNode.onTimer");
  }

  /** Read-only hook for the grader: this replica's current value (what a read would answer). */
  value(): number {
    // TODO
    throw new NotImplemented("GCounterNode.value");
  }
}

/**
 * A node holding a PN-Counter replica (Part D): the same protocol as `GCounterNode`, except that
 * `add` accepts negative deltas (a decrement) and gossip is `{ type: "pn_gossip", state }`.
 */
export class PNCounterNode implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;
  protected counter!: PNCounter;

  start(env: Env<Msg, Timer>): void {
    // TODO: as GCounterNode.start, with a PNCounter.
    throw new NotImplemented("PNCounterNode.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: "add" with delta >= 0 increments, delta < 0 decrements by -delta; a fractional
    // delta gets add_error. "read" and "pn_gossip" as in GCounterNode.
    throw new NotImplemented("PNCounterNode.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: gossip { type: "pn_gossip", state } to every peer, then set the timer again.
    throw new NotImplemented("PNCounterNode.onTimer");
  }

  /** Read-only hook for the grader: this replica's current value. */
  value(): number {
    // TODO
    throw new NotImplemented("PNCounterNode.value");
  }
}

/**
 * Stretch (Part E, 5 bonus points on top of the 100): a G-Counter node whose gossip sends less
 * than its full state.
 *
 * Full-state gossip re-sends every entry to every peer every round, even when nothing changed.
 * A delta-state CRDT (Almeida, Shoker, Baquero, "Delta State Replicated Data Types", JPDC 2018)
 * ships only a DELTA: a small state that, merged into the receiver, has the same effect as the
 * whole state would. For a G-Counter a delta is just the entries that changed. Because a delta is
 * a lattice state too, duplicates and reordering stay harmless; loss is the hard part: a lost
 * delta must be sent again until the peer has it.
 *
 * One design that works: remember, per peer, the entries that peer is known to have (from its
 * `delta_ack`s and from the deltas it sent you). Each round, send each peer only the entries
 * above what it is known to have (nothing when it is up to date); on a `delta`, merge it and
 * answer `delta_ack` with the entries you merged. Serve `add` and `read` as GCounterNode does.
 * The grader requires convergence under loss, duplication and a partition, and that a state
 * message carries on average at most 70% of the entries of a full state.
 */
export class DeltaGCounterNode implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;
  protected counter!: GCounter;

  start(env: Env<Msg, Timer>): void {
    // TODO: as GCounterNode.start, plus an empty "known entries" record per peer.
    throw new NotImplemented("DeltaGCounterNode.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: "add" and "read" as in GCounterNode; "delta": merge, then answer delta_ack;
    // "delta_ack": raise what `from` is known to have.
    throw new NotImplemented("DeltaGCounterNode.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: send each peer the entries it may be missing (if any), then set the timer again.
    throw new NotImplemented("DeltaGCounterNode.onTimer");
  }

  /** Read-only hook for the grader: this replica's current value. */
  value(): number {
    // TODO
    throw new NotImplemented("DeltaGCounterNode.value");
  }
}
