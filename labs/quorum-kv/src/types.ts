/**
 * Types of the quorum-kv lab: configuration, versions, and every message on the wire.
 * Nothing to write in this file; read it first.
 *
 * References:
 * - DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store", SOSP 2007.
 *   §4.2 partitioning and the preference list, §4.4 data versioning with vector clocks,
 *   §4.5 get/put with N, R, W, §4.6 sloppy quorum and hinted handoff, §4.7 anti-entropy.
 * - Merkle, "A Digital Signature Based on a Conventional Encryption Function", CRYPTO 1987:
 *   the hash tree that anti-entropy (part E) compares level by level.
 * - Attiya, Bar-Noy, Dolev, "Sharing Memory Robustly in Message-Passing Systems", JACM 1995
 *   (ABD): a read queries a majority, then writes the newest value back before returning.
 */
import type { NodeId } from "@faultline/sim";

/**
 * How versions are ordered and what a read returns.
 * - "lww": last writer wins. Each write gets a {@link Stamp}; replicas keep only the highest.
 * - "vv": version vectors (Dynamo §4.4). Concurrent writes are kept side by side as siblings
 *   and a read returns all of them; a put with the read's context replaces what it saw.
 * - "abd": linearizable registers (ABD). Like "lww", but a put first asks R replicas for the
 *   highest stamp, and a get writes the value it returns back to W replicas before returning.
 */
export type Mode = "lww" | "vv" | "abd";

export interface Config {
  /** Replicas per key: the first N nodes of the key's preference list (Dynamo §4.2). */
  n: number;
  /** Replica acknowledgements a coordinator waits for before a put succeeds (Dynamo §4.5). */
  w: number;
  /** Replica replies a coordinator waits for before a get returns (Dynamo §4.5). */
  r: number;
  mode: Mode;
  /**
   * Sloppy quorum (Dynamo §4.6): when a preferred replica does not answer, send to the next
   * node of the preference list instead, with a hint naming the replica it stands in for.
   */
  sloppy: boolean;
  /** Push the newest version to replicas that answered a get with an older one (lww, vv). */
  readRepair: boolean;
  /** A coordinator gives up on a request (answers `fail`) after this long (local ms). */
  requestTimeoutMs: number;
  /** A coordinator re-sends to replicas that have not answered every `retryMs` (local ms). */
  retryMs: number;
  /** Sloppy mode: after this many unanswered sends, a replica is replaced by a fallback. */
  fallbackAfter: number;
  /** A node holding hints tries to hand them off every `handoffMs` (local ms). */
  handoffMs: number;
  /**
   * Part E (bonus), anti-entropy (Dynamo §4.7): every `antiEntropyMs` a replica compares the
   * Merkle tree of one of its key ranges with a peer that replicates the same range and
   * exchanges only the keys that differ. Off by default, so parts A-D never see it.
   */
  antiEntropy: boolean;
  /** Anti-entropy: a replica starts one exchange every `antiEntropyMs` (local ms). */
  antiEntropyMs: number;
}

export const DEFAULT_CONFIG: Config = Object.freeze({
  n: 3,
  w: 2,
  r: 2,
  mode: "lww",
  sloppy: false,
  readRepair: true,
  requestTimeoutMs: 400,
  retryMs: 20,
  fallbackAfter: 2,
  handoffMs: 50,
  antiEntropy: false,
  antiEntropyMs: 100,
});

/**
 * A Lamport-style timestamp (Lamport 1978): a clock reading plus the id of the node that
 * issued it, ordered by `t` and then by `node` so that no two writes are ever tied.
 */
export interface Stamp {
  t: number;
  node: NodeId;
}

/** A version vector (Dynamo §4.4): node id -> number of writes that node coordinated. */
export type VersionVector = Record<NodeId, number>;

/** How two version vectors relate. */
export type Order = "before" | "after" | "equal" | "concurrent";

/**
 * One version of a key as a replica stores it. `value: null` is a tombstone: the key was
 * deleted, and the tombstone must be kept so the delete wins over older copies.
 * In lww and abd modes `stamp` orders versions and `vv` is `{}`; in vv mode `vv` orders them
 * and `stamp` is informational (who wrote it, when).
 */
export interface Version {
  value: string | null;
  stamp: Stamp;
  vv: VersionVector;
}

/**
 * What a get returns and a later put or delete hands back (Dynamo's opaque "context"): the
 * newest stamp seen (lww, abd) and the merged version vector of everything seen (vv).
 */
export interface Context {
  stamp: Stamp | null;
  vv: VersionVector;
}

/** A hint held by a fallback node: versions of `key` that belong on replica `for` (§4.6). */
export interface Hint {
  for: NodeId;
  key: string;
  versions: Version[];
}

// ------------------------------------------------------------------ client <-> coordinator
// A client may send a request to any node; that node coordinates it. `id` is the client's
// request id and is echoed in the answer.

export type ClientRequest =
  | { type: "get"; id: string; key: string }
  | { type: "put"; id: string; key: string; value: string; context?: Context }
  | { type: "delete"; id: string; key: string; context?: Context };

export type ClientReply =
  /** `values` is empty when the key is missing or deleted; in vv mode it lists every sibling. */
  | { type: "getOk"; id: string; key: string; values: string[]; context: Context }
  | { type: "putOk"; id: string; key: string; context: Context }
  | { type: "deleteOk"; id: string; key: string; context: Context }
  /** The request did not reach its quorum in time. Its effect is unknown. */
  | { type: "fail"; id: string; key: string; error: string };

// ------------------------------------------------------------------ coordinator <-> replica

/** Why a store is sent (shown in traces). */
export type StoreReason = "put" | "repair" | "writeback" | "handoff" | "sync";

export type ReplicaMsg =
  /** Ask a replica for every version of `key` it holds. */
  | { type: "read"; rid: string; key: string }
  | { type: "readReply"; rid: string; key: string; versions: Version[] }
  /**
   * Merge `versions` into the replica's copy of `key`. With `hintFor` (sloppy quorum) the
   * receiver is a fallback: it keeps the versions as a hint for that node instead.
   */
  | { type: "store"; rid: string; key: string; versions: Version[]; reason: StoreReason; hintFor?: NodeId }
  | { type: "stored"; rid: string; key: string };

// ------------------------------------------------------------------ replica <-> replica (part E)
// An anti-entropy exchange is a chain of these messages between two replicas of one key range
// (Dynamo §4.7). No session state: each message carries everything its receiver needs, so a
// lost message only ends the exchange early and the next one starts over from the root.

/** A tree node: its position in its level (0-based, left to right) and its hash. */
export type NodeHash = [index: number, hash: number];

/** A key and the digest of the versions a replica stores for it (see merkle.ts). */
export type KeyDigest = [key: string, digest: number];

/** A key and every version a replica stores for it, tombstones included. */
export interface Entry {
  key: string;
  versions: Version[];
}

export type SyncMsg =
  /**
   * "Here are my hashes of these tree nodes of `range` at `level`" (level 0 is the root).
   * The receiver answers with the children of the nodes whose hash differs from its own, or,
   * at the leaf level, with the keys of the differing leaves. Equal hashes: no answer.
   */
  | { type: "syncHashes"; range: number; level: number; hashes: NodeHash[] }
  /** The keys (with digests) the sender stores in each listed leaf of `range`. */
  | { type: "syncKeys"; range: number; leaves: Array<[leaf: number, keys: KeyDigest[]]> }
  /**
   * Entries to merge (only keys whose digests differ), and the keys whose entries the sender
   * wants back. The receiver merges, then answers with its entries of the wanted keys (those
   * that still differ from what it was sent).
   */
  | { type: "syncEntries"; range: number; entries: Entry[]; want: string[] };

export type Msg = ClientRequest | ClientReply | ReplicaMsg | SyncMsg;

/** Timer tags: "retry:<rid>", "timeout:<rid>", "handoff", "anti-entropy". */
export type Timer = string;
