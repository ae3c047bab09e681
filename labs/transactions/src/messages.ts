/**
 * The wire format of the transactions lab and its constants. This file is complete; you do not
 * need to change it.
 *
 * A coordinator (node id "coord") and three participants ("p1", "p2", "p3"). Each participant
 * keeps account balances; a transaction adds a delta to one account at every participant, and a
 * participant refuses (votes no) a delta that would take a balance below zero, or that touches an
 * account locked by another transaction it has voted yes on and not yet seen decided. The
 * grader's client endpoint ("c1") asks the coordinator to run transactions. Every message is a
 * JSON value; the network copies it at `env.send` and may delay, duplicate and reorder it.
 */
import type { NodeId } from "@faultline/sim";

/** The node id of the coordinator. */
export const COORDINATOR: NodeId = "coord";
/** The participants, in a fixed order. */
export const PARTICIPANTS: readonly NodeId[] = ["p1", "p2", "p3"];

/** How long the coordinator waits for every vote before it decides abort. */
export const VOTE_TIMEOUT_MS = 300;
/** How often the coordinator resends prepare or decision messages that got no answer. */
export const RESEND_MS = 100;
/** How often an in-doubt participant asks the coordinator and the other participants. */
export const QUERY_MS = 100;

/** Disk key prefix of the coordinator's log records (one record per transaction). */
export const COORD_LOG = "txn/";
/** Disk key prefix of a participant's records (one record per transaction). */
export const PART_LOG = "txn/";
/** Disk key of a participant's balances. */
export const BALANCES_KEY = "balances";

export type Decision = "commit" | "abort";

/** One participant's share of a transaction: add `delta` to `account`. */
export interface Write {
  account: string;
  delta: number;
}

/** client -> coord: run this transaction (writes by participant; every participant has one). */
export interface Begin {
  type: "begin";
  txn: string;
  writes: Record<NodeId, Write>;
}
/** coord -> client: the transaction's outcome (only once it is durable at the coordinator). */
export interface Outcome {
  type: "outcome";
  txn: string;
  decision: Decision;
}
/** coord -> participant: phase one. `participants` lists every participant of the transaction. */
export interface Prepare {
  type: "prepare";
  txn: string;
  write: Write;
  participants: NodeId[];
}
/** participant -> coord: the vote, sent only after the prepare record is durable (yes). */
export interface Vote {
  type: "vote";
  txn: string;
  vote: "yes" | "no";
}
/** coord -> participant (or the answer to a query): phase two. */
export interface DecisionMsg {
  type: "decision";
  txn: string;
  decision: Decision;
}
/** participant -> coord: the decision is applied and durable here. */
export interface Ack {
  type: "ack";
  txn: string;
  decision: Decision;
}
/** in-doubt participant -> coord: what was decided? */
export interface Query {
  type: "query";
  txn: string;
}
/** participant -> participant (cooperative termination): what do you know of `txn`? */
export interface StatusReq {
  type: "status_req";
  txn: string;
}
/**
 * participant -> participant: "committed" / "aborted" (decided), "in_doubt" (voted yes, no
 * decision yet). A participant that had not voted aborts the transaction first and answers
 * "aborted" (it will vote no if the prepare arrives later).
 */
export interface Status {
  type: "status";
  txn: string;
  state: "committed" | "aborted" | "in_doubt";
}

export type Msg = Begin | Outcome | Prepare | Vote | DecisionMsg | Ack | Query | StatusReq | Status;

/** Timer tags. */
export type Timer = "tick";

/** What a participant knows of a transaction (its record, as the grader reads it). */
export type TxnState = "prepared" | "committed" | "aborted";
