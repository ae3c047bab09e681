/**
 * The wire format of the g-counter lab: what clients send to nodes, what nodes answer, and what
 * nodes gossip to each other. This file is complete; you do not need to change it.
 *
 * Every message is a JSON value. The network copies it when you call `env.send`, and may drop,
 * duplicate, delay and reorder it.
 */
import type { NodeId } from "@faultline/sim";

/** The name of a replica: a node id such as "n1". One entry of a G-Counter per replica. */
export type ReplicaId = NodeId;

/**
 * The serialized state of a G-Counter: one non-negative integer per replica that has ever
 * incremented, e.g. `{ "n1": 4, "n3": 2 }` (value 6). A replica missing from the object counts 0.
 */
export type GCounterState = Record<ReplicaId, number>;

/**
 * The serialized state of a PN-Counter: two G-Counters, `p` for increments and `n` for
 * decrements. The value is sum(p) - sum(n).
 */
export interface PNCounterState {
  p: GCounterState;
  n: GCounterState;
}

/** A client asks a node to add `delta` to the counter. `id` is echoed in the reply. */
export interface AddRequest {
  type: "add";
  id: number;
  delta: number;
}

/** The add took effect (and is durable: it survives a crash of the node that answered). */
export interface AddOk {
  type: "add_ok";
  id: number;
}

/** The add was refused and changed nothing, e.g. a negative delta sent to a G-Counter node. */
export interface AddError {
  type: "add_error";
  id: number;
  error: string;
}

/** A client asks a node for the counter's current value at that node. */
export interface ReadRequest {
  type: "read";
  id: number;
}

export interface ReadOk {
  type: "read_ok";
  id: number;
  value: number;
}

/** Node to node: the sender's whole G-Counter state (state-based replication). */
export interface Gossip {
  type: "gossip";
  state: GCounterState;
}

/** Node to node: the sender's whole PN-Counter state. */
export interface PNGossip {
  type: "pn_gossip";
  state: PNCounterState;
}

/**
 * Stretch, node to node: only the entries the receiver may be missing (a delta-state, Almeida,
 * Shoker, Baquero, "Delta State Replicated Data Types", JPDC 2018). A delta is itself a
 * G-Counter state, so the receiver merges it exactly like a full state.
 */
export interface Delta {
  type: "delta";
  state: GCounterState;
}

/** Stretch, node to node: "I have merged these entries" (lets the sender stop re-sending them). */
export interface DeltaAck {
  type: "delta_ack";
  state: GCounterState;
}

/** Every message of the lab. */
export type Msg = AddRequest | AddOk | AddError | ReadRequest | ReadOk | Gossip | PNGossip | Delta | DeltaAck;

/** Timer tags a node may set. */
export type Timer = "gossip";

/**
 * A good gossip period. The grader requires replicas to agree within 1000 ms once the network
 * is healed, so anything up to a few hundred milliseconds passes; shorter costs more messages.
 */
export const GOSSIP_INTERVAL_MS = 100;

/** The disk key under which a node keeps its counter state (a suggestion; any key works). */
export const DISK_KEY = "counter";
