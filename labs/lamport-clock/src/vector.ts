/**
 * Part B: vector clocks.
 *
 * Fidge, "Timestamps in Message-Passing Systems That Preserve the Partial Ordering",
 * Proceedings of the 11th Australian Computer Science Conference, 1988, pages 56-66.
 * Mattern, "Virtual Time and Global States of Distributed Systems", Parallel and Distributed
 * Algorithms, 1989, pages 215-226.
 *
 * A vector clock holds, for every process, how many of that process's events lie in the causal
 * past of the current event (the event itself included for its own process). Unlike a Lamport
 * clock it characterizes causality exactly: a -> b if and only if V(a) < V(b), where V < W
 * means V[k] <= W[k] for every k and V !== W. Two events whose clocks are not ordered either
 * way are concurrent.
 *
 * - Local event or send: increment the own entry. A message carries the send event's clock.
 * - Receive: merge (entry-wise maximum) the message's clock into the own clock, then
 *   increment the own entry.
 *
 * ShiViz (Beschastnikh et al., "Debugging Distributed Systems", CACM 59(8), 2016) draws a log
 * in which every event is two lines: `<host> <clock as JSON>` then a description. Its rules:
 * every clock holds the host's own entry; a host's first event has own entry 1 and each next
 * event exactly one more; every entry k in a clock counts events that host k really logged,
 * and the clocks must describe the real causality of the run.
 */
import { NotImplemented, type NodeId } from "@faultline/sim";
import { WorkloadNode } from "./workload.ts";

/**
 * A vector clock: node id -> number of that node's events in the causal past. A missing entry
 * means 0, so {} is the clock before any event and { n1: 2 } equals { n1: 2, n2: 0 }.
 * Clocks are values: no function below may modify its arguments.
 */
export type VectorClock = Readonly<Record<NodeId, number>>;

/** How two events (their clocks) are related. */
export type Ordering = "before" | "after" | "equal" | "concurrent";

/** A copy of `clock` with `node`'s entry one higher (a missing entry counts as 0). */
export function vcIncrement(clock: VectorClock, node: NodeId): VectorClock {
  // TODO: return a new clock; leave `clock` untouched.
  throw new NotImplemented("vcIncrement");
}

/** The least upper bound: for every node, the larger of the two entries. A new clock. */
export function vcMerge(a: VectorClock, b: VectorClock): VectorClock {
  // TODO: entry-wise maximum over the nodes of both clocks.
  throw new NotImplemented("vcMerge");
}

/**
 * "before" when a < b (every entry <=, at least one <), "after" when b < a, "equal" when all
 * entries are equal (missing = 0), otherwise "concurrent".
 */
export function vcCompare(a: VectorClock, b: VectorClock): Ordering {
  // TODO: look at every node of both clocks; remember whether some entry is smaller and whether some is larger.
  throw new NotImplemented("vcCompare");
}

/**
 * One ShiViz log entry: the line `<host> <clock as JSON>`, a newline, then `description`
 * (one line). Example: formatShiVizEntry("n1", { n1: 2, n2: 1 }, "send to n2") is
 * 'n1 {"n1":2,"n2":1}\nsend to n2'.
 */
export function formatShiVizEntry(host: NodeId, clock: VectorClock, description: string): string {
  // TODO: JSON.stringify the clock; keep the description on one line.
  throw new NotImplemented("formatShiVizEntry");
}

/** Part B's only message: a greeting carrying the send event's vector clock. */
export type VectorMsg = { type: "hello"; clock: VectorClock };

/**
 * A process of part B: the workload of part A (WorkloadNode in workload.ts) with a vector
 * clock, and a ShiViz log of its own.
 *
 * Hooks the grader reads after every event: `clock` (the clock of the latest local event or
 * receive; a send's clock is read from the message) and `log` (one ShiViz entry per local
 * event, send and receive, in order, made with formatShiVizEntry and the event's clock).
 */
export class VectorNode extends WorkloadNode<VectorMsg> {
  /** Hook: the vector clock of this node's latest event. */
  clock: VectorClock = {};
  /** Hook: this node's ShiViz log, one entry per event. */
  readonly log: string[] = [];

  override onMessage(from: NodeId, msg: VectorMsg): void {
    // TODO: merge msg.clock, increment the own entry, log "receive from <from>".
    throw new NotImplemented("VectorNode.onMessage");
  }

  override localEvent(): void {
    // TODO: increment the own entry, log "local event".
    throw new NotImplemented("VectorNode.localEvent");
  }

  override sendTo(peer: NodeId): void {
    // TODO: increment the own entry, log "send to <peer>", send { type: "hello", clock }.
    throw new NotImplemented("VectorNode.sendTo");
  }
}
