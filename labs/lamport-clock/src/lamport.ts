/**
 * Part A: Lamport clocks.
 *
 * Lamport, "Time, Clocks, and the Ordering of Events in a Distributed System", Communications
 * of the ACM 21(7), 1978, pages 558-565.
 *
 * - Happened before (a -> b): a comes before b in the same process, or a sends a message that
 *   b receives, or a -> c and c -> b for some event c.
 * - Clock Condition: for any events a and b, if a -> b then C(a) < C(b).
 * - IR1: each process increments its clock between any two successive events.
 * - IR2: (a) a message carries the sender's clock at its send event as timestamp Tm;
 *        (b) on receipt, the receiver sets its clock greater than or equal to its present
 *        value and greater than Tm (the usual way: C := max(C, Tm) + 1).
 * - Total order "=>": a => b when C(a) < C(b), or C(a) = C(b) and the process of a comes
 *   before the process of b in a fixed order of processes. In this lab that order is the node
 *   number: n2 comes before n10 (see compareNodeIds).
 */
import { NotImplemented, type NodeId } from "@faultline/sim";
import { WorkloadNode } from "./workload.ts";

/** A Lamport clock: one integer per process, starting at 0 (no event yet). */
export class LamportClock {
  protected value: number;

  /** `start` is the value to resume from (0 for a fresh process, the saved value after a restart). */
  constructor(start = 0) {
    this.value = start;
  }

  /** The timestamp of this process's latest event (0 before the first). */
  get time(): number {
    return this.value;
  }

  /**
   * A local event (IR1). Returns the event's timestamp.
   * Example: a fresh clock returns 1, then 2.
   */
  tick(): number {
    // TODO: advance the clock by one and return the new value.
    throw new NotImplemented("LamportClock.tick");
  }

  /**
   * A send event (IR1 + IR2a). Returns the timestamp Tm to put in the message.
   * Sending is an event like any other: the clock moves first, then the message carries it.
   */
  send(): number {
    // TODO: a send is an event: tick and return the timestamp for the message.
    throw new NotImplemented("LamportClock.send");
  }

  /**
   * A receive event (IR2b) of a message with timestamp `remote`. Returns the receive event's
   * timestamp, which is greater than both the present value and `remote`.
   * Example: at 4, receive(10) returns 11; at 12, receive(3) returns 13.
   */
  receive(remote: number): number {
    // TODO: set the clock past both its own value and the message's timestamp.
    throw new NotImplemented("LamportClock.receive");
  }
}

/** A Lamport timestamp with the process that made it: the key of the total order. */
export interface Stamp {
  time: number;
  node: NodeId;
}

/**
 * The fixed order of processes used to break ties. Node ids are "n" followed by a decimal
 * number (n1, n2, ..., n12); they are ordered by that number: n2 < n10 (as strings, "n10" <
 * "n2", which is not this order). Returns a negative number when a comes first, 0 when
 * a === b, a positive number when b comes first.
 */
export function compareNodeIds(a: NodeId, b: NodeId): number {
  // TODO: compare the numbers after the "n", not the strings.
  throw new NotImplemented("compareNodeIds");
}

/**
 * Lamport's total order "=>" on stamps: by time, then by node (compareNodeIds). Negative when
 * a comes first, 0 for the same stamp, positive when b comes first.
 */
export function compareStamps(a: Stamp, b: Stamp): number {
  // TODO: order by time; break ties with compareNodeIds.
  throw new NotImplemented("compareStamps");
}

/** Part A's only message: a greeting carrying the sender's Lamport timestamp. */
export type LamportMsg = { type: "hello"; ts: number };

/** Where the clock lives on disk (see persist and restore). */
export const LAMPORT_DISK_KEY = "lamport-clock";

/**
 * A process of part A. It runs the given workload (WorkloadNode in workload.ts: `start` calls
 * `boot()`, `onTimer` calls `localEvent()` or `sendTo(peer)`) and keeps a Lamport clock.
 *
 * Hooks the grader reads after every event: `clock.time` is the timestamp of the node's
 * latest event (a local event or a receive); a send's timestamp is read from the message.
 *
 * Crashes: a fresh instance is made at every restart and `start` runs again; only `env.disk`
 * survives, and only what was `sync()`ed. The clock must never go backwards: a timestamp the
 * node gave to an event before a crash must never be given again after it.
 */
export class LamportNode extends WorkloadNode<LamportMsg> {
  /** Hook: this node's clock. */
  clock!: LamportClock;

  /** Given: at boot and after every restart, the clock comes back from disk (restore). */
  protected override boot(): void {
    this.clock = this.restore();
  }

  override onMessage(_from: NodeId, msg: LamportMsg): void {
    // TODO: apply IR2b with the message's timestamp (msg.ts), then make it durable (persist).
    throw new NotImplemented("LamportNode.onMessage");
  }

  /** A local event: tick the clock (and make it durable). */
  override localEvent(): void {
    // TODO: IR1, then persist.
    throw new NotImplemented("LamportNode.localEvent");
  }

  /** Send { type: "hello", ts } to `peer`, where ts is this send event's timestamp. */
  override sendTo(peer: NodeId): void {
    // TODO: IR1 + IR2a: take the send timestamp, persist it, then env.send.
    throw new NotImplemented("LamportNode.sendTo");
  }

  /** Build the clock at boot: from the value saved on disk, or 0 on first boot. */
  protected restore(): LamportClock {
    // TODO: read LAMPORT_DISK_KEY from this.env.disk (undefined on first boot).
    throw new NotImplemented("LamportNode.restore");
  }

  /** Save the clock so that a crash cannot take it back (a write is lost unless synced). */
  protected persist(): void {
    // TODO: write this.clock.time under LAMPORT_DISK_KEY and sync().
    throw new NotImplemented("LamportNode.persist");
  }
}
