/**
 * The wire format of the lease-lock lab and its constants. This file is complete; you do not
 * need to change it.
 *
 * Three kinds of node take part: the lock server (node id "lock"), the storage (node id
 * "store") and lock clients (node ids "w1", "w2", ... in Part C; in Parts A and B the grader's
 * own client endpoints "c1", "c2", ... play the clients). Part D adds lock servers "l1".."l5"
 * and majority clients "m1", "m2", ...; Part E (bonus) replicas "r1", "r2", "r3", whose store
 * "store" is the given RegisterStore, and the grader's clients read and write through them.
 * Every message is a JSON value; the network copies it at `env.send` and may delay, duplicate
 * and reorder it.
 */
import type { NodeId } from "@faultline/sim";

/** The node id of the lock server. */
export const LOCK_SERVER: NodeId = "lock";
/** The node id of the storage. */
export const STORAGE: NodeId = "store";

/** The lease a client asks for, in milliseconds of the server's clock. */
export const LEASE_TTL_MS = 1000;
/**
 * The longest lease the server grants; a longer `ttlMs` is cut to this. A restarted server has
 * forgotten who holds the lock, so it grants nothing for this long after a restart: any lease
 * granted before the crash has expired by then.
 */
export const MAX_TTL_MS = 2000;
/** How often a Part C client writes while it holds the lock. */
export const WRITE_INTERVAL_MS = 100;
/** How long a Part C client waits for an answer to `acquire` before asking again. */
export const ACQUIRE_RETRY_MS = 300;

/** The disk key of the lock server's last token (a suggestion; any key works). */
export const TOKEN_KEY = "token";
/** The disk key of the fenced storage's state (a suggestion; any key works). */
export const STORAGE_KEY = "storage";

// ------------------------------------------------------------------ client -> lock server

/** Ask for the lock for `ttlMs`. `id` is echoed in the answer. */
export interface Acquire {
  type: "acquire";
  id: number;
  ttlMs: number;
}

/** Extend the lease of `token` by its TTL, counted from now on the server's clock. */
export interface Renew {
  type: "renew";
  id: number;
  token: number;
}

/** Give the lock back before its lease ends. */
export interface Release {
  type: "release";
  id: number;
  token: number;
}

// ------------------------------------------------------------------ lock server -> client

/** The lock is yours until `ttlMs` after the server granted it; `token` is your fencing token. */
export interface Granted {
  type: "granted";
  id: number;
  token: number;
  ttlMs: number;
}

/** Someone else holds an unexpired lease (or the server is in its grace period after a restart). */
export interface Busy {
  type: "busy";
  id: number;
}

/** The lease of `token` now lasts `ttlMs` from the moment the server renewed it. */
export interface Renewed {
  type: "renewed";
  id: number;
  token: number;
  ttlMs: number;
}

/** Renew or release refused: `token` is not the current, unexpired lease of the sender. */
export interface NotHolder {
  type: "not_holder";
  id: number;
  token: number;
}

export interface Released {
  type: "released";
  id: number;
  token: number;
}

// ------------------------------------------------------------------ client -> storage

/**
 * Write to the storage under the lock: `put` replaces the value of `key`, `append` adds
 * `value` at its end. `token` is the fencing token of the writer's lease.
 */
export interface Write {
  type: "write";
  id: number;
  token: number;
  op: "put" | "append";
  key: string;
  value: string;
}

// ------------------------------------------------------------------ storage -> client

/** The write was applied (and, for the fenced storage, is durable). */
export interface WriteOk {
  type: "write_ok";
  id: number;
  token: number;
}

/** Fenced: a write with a higher token was already accepted (`highest`), so this one is refused. */
export interface WriteRejected {
  type: "write_rejected";
  id: number;
  token: number;
  highest: number;
}

/** Every message of the lab. */
export type Msg =
  | Acquire
  | Renew
  | Release
  | Granted
  | Busy
  | Renewed
  | NotHolder
  | Released
  | Write
  | WriteOk
  | WriteRejected
  | PartEMsg;

/** Timer tags a node may set. */
export type Timer = "tick";

/**
 * Part B: one write the auditing storage received after a write with a higher token: the mark
 * of two writers that both believed they held the lock.
 */
export interface Overlap {
  /** The late write's token. */
  token: number;
  /** The highest token of any write received before it. */
  highest: number;
  key: string;
  value: string;
}

/** The lease the lock server believes is current (its introspection hook). */
export interface LeaseView {
  holder: NodeId;
  token: number;
  /** When it ends, on the server's clock. */
  expiresAt: number;
}

// ------------------------------------------------------------------ Part D: a majority of lock servers

/** Part D: the independent lock servers (each runs your Part A LockServer). */
export const LOCK_SERVERS: readonly NodeId[] = ["l1", "l2", "l3", "l4", "l5"];
/** Part D: grants needed to hold the lock: a majority of LOCK_SERVERS. */
export const QUORUM = 3;
/**
 * Part D: the most any clock in the cluster may run fast or slow (10%). A lease of `ttlMs` on a
 * server running 10% fast ends after ttlMs / 1.1 of true time; a client running 10% slow
 * measures its own hold 10% too long. The client's margin must cover both.
 */
export const CLOCK_DRIFT_BOUND = 0.1;
/** Part D: how often a majority client ticks (checks its hold, retries). */
export const MAJORITY_TICK_MS = 50;

// ------------------------------------------------------------------ Part E: leader leases for reads

/** Part E: the replicas (each runs your LeaseLeader); the one holding the lock is the leader. */
export const REPLICAS: readonly NodeId[] = ["r1", "r2", "r3"];
/** Part E: how often a replica ticks (asks for or renews the lease, samples the reference clock). */
export const REPLICA_TICK_MS = 25;
/**
 * Part E: the span of reference time over which a replica measures its own clock's rate. Until
 * it has samples this far apart it does not know its drift, and serves no local read.
 */
export const DRIFT_WINDOW_MS = 1000;

/** Part E, client -> replica: read the register. */
export interface Get {
  type: "get";
  id: number;
}

/** Part E, replica -> client: the register's value, read locally under the leader's lease. */
export interface Value {
  type: "value";
  id: number;
  value: string;
}

/** Part E, client -> replica: write the register. */
export interface Put {
  type: "put";
  id: number;
  value: string;
}

/** Part E, replica -> client: the write is in the store. */
export interface PutOk {
  type: "put_ok";
  id: number;
}

/** Part E, replica -> client: I cannot serve this now (not the leader, or not safely); ask another replica. */
export interface NotLeader {
  type: "not_leader";
  id: number;
}

/** Part E, replica -> store: read the register, with your token (the store then refuses lower tokens). */
export interface Load {
  type: "load";
  id: number;
  token: number;
}

/** Part E, store -> replica: the register as the store holds it; `version` counts its writes. */
export interface Loaded {
  type: "loaded";
  id: number;
  token: number;
  value: string;
  version: number;
}

/** Part E, replica -> store: write the register, with your token. */
export interface Save {
  type: "save";
  id: number;
  token: number;
  value: string;
}

/** Part E, store -> replica: the write is applied as the store's write number `version`. */
export interface Saved {
  type: "saved";
  id: number;
  token: number;
  version: number;
}

/** Part E, store -> replica: refused, a higher token (`highest`) has loaded or saved: you are not the leader. */
export interface Fenced {
  type: "fenced";
  id: number;
  token: number;
  highest: number;
}

/** Part E, replica -> store: what time is it on the reference clock? */
export interface WhatTime {
  type: "what_time";
  id: number;
}

/** Part E, store -> replica: the store's clock, which keeps true time (a reference, like an NTP server). */
export interface TimeIs {
  type: "time_is";
  id: number;
  at: number;
}

/** Every message of Part E. */
export type PartEMsg =
  | Get
  | Value
  | Put
  | PutOk
  | NotLeader
  | Load
  | Loaded
  | Save
  | Saved
  | Fenced
  | WhatTime
  | TimeIs;
