/**
 * Types shared by every Raft node: the log, the replicated service's operations, the RPC
 * messages of Figure 2 and the client protocol of section 8.
 *
 * Paper: Diego Ongaro and John Ousterhout, "In Search of an Understandable Consensus
 * Algorithm", USENIX ATC 2014. Section numbers below refer to it; "Figure 2" is its one-page
 * summary of the protocol. Keep it open while you work.
 *
 * You should not need to change this file: the grader and its clients speak these messages.
 */
import type { NodeId } from "@faultline/sim";

/** Section 5.1: at any given time each server is in one of three states. */
export type Role = "follower" | "candidate" | "leader";

// ---------------------------------------------------------------------------- the service

/**
 * An operation on the replicated state machine: a key-value store of strings plus one
 * counter. A key never written reads as "".
 */
export type Operation =
  | { readonly op: "get"; readonly key: string }
  | { readonly op: "put"; readonly key: string; readonly value: string }
  | { readonly op: "append"; readonly key: string; readonly value: string }
  /** Add 1 to the counter. */
  | { readonly op: "incr" }
  /** Read the counter. */
  | { readonly op: "read" };

/**
 * What an operation returns: `get` the value ("" if absent), `put` and `append` null,
 * `incr` the counter's new value, `read` the counter's value.
 */
export type OpResult = string | number | null;

/**
 * A client request as it travels in the log. `(clientId, seq)` names the request uniquely:
 * a client numbers its requests 1, 2, 3... and retries a request with the SAME seq until it
 * gets an answer, so the state machine must apply each (clientId, seq) at most once
 * (section 8: "the state machine tracks the latest serial number processed for each client").
 */
export interface Command {
  readonly clientId: string;
  readonly seq: number;
  readonly op: Operation;
}

/** One log entry (Figure 2, "log[]"): a command and the term in which a leader received it. */
export interface LogEntry {
  readonly term: number;
  readonly command: Command;
}

// ---------------------------------------------------------------------------- Figure 2 RPCs

/** RequestVote RPC arguments (Figure 2), sent by candidates (section 5.2). */
export interface RequestVote {
  readonly type: "RequestVote";
  /** The candidate's term. */
  readonly term: number;
  readonly candidateId: NodeId;
  /** Index and term of the candidate's last log entry (section 5.4.1); 0 and 0 for an empty log. */
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

/** RequestVote RPC results (Figure 2). */
export interface RequestVoteReply {
  readonly type: "RequestVoteReply";
  /** The voter's currentTerm, for the candidate to update itself. */
  readonly term: number;
  readonly voteGranted: boolean;
}

/** AppendEntries RPC arguments (Figure 2): replication (section 5.3) and heartbeat (section 5.2). */
export interface AppendEntries {
  readonly type: "AppendEntries";
  /** The leader's term. */
  readonly term: number;
  /** So followers can redirect clients. */
  readonly leaderId: NodeId;
  /** Index of the log entry immediately preceding the new ones (0 = before the first entry). */
  readonly prevLogIndex: number;
  /** Term of the prevLogIndex entry (0 when prevLogIndex is 0). */
  readonly prevLogTerm: number;
  /** Entries to store, starting at index prevLogIndex + 1 (empty for a pure heartbeat). */
  readonly entries: readonly LogEntry[];
  /** The leader's commitIndex. */
  readonly leaderCommit: number;
}

/**
 * AppendEntries RPC results (Figure 2) plus the hints of section 5.3's optimization ("the
 * follower can include the term of the conflicting entry and the first index it stores for
 * that term"), so a leader backs up over a whole term per round trip instead of one entry.
 */
export interface AppendEntriesReply {
  readonly type: "AppendEntriesReply";
  /** The follower's currentTerm, for the leader to update itself. */
  readonly term: number;
  /** True if the follower contained an entry matching prevLogIndex and prevLogTerm. */
  readonly success: boolean;
  /** On success: the index of the last entry known to match the leader's log. */
  readonly matchIndex: number;
  /**
   * On failure: the term of the follower's conflicting entry at prevLogIndex, or 0 when the
   * follower's log is too short to have an entry there.
   */
  readonly conflictTerm: number;
  /**
   * On failure: the first index the follower stores for conflictTerm, or (when conflictTerm
   * is 0) the follower's last log index + 1.
   */
  readonly conflictIndex: number;
}

// ---------------------------------------------------------------------------- client protocol

/**
 * A client's request (section 8). Clients send it to any node; only the leader acts on it.
 * The same request may arrive several times (retries, duplicated messages).
 */
export interface ClientRequest {
  readonly type: "ClientRequest";
  readonly clientId: string;
  readonly seq: number;
  readonly op: Operation;
}

/**
 * The answer to a ClientRequest, echoing its clientId and seq.
 * - `status: "ok"`: the request's entry was committed and applied; `result` is what the state
 *   machine returned the first (and only) time it applied this (clientId, seq).
 * - `status: "redirect"`: this node is not the leader; `leaderHint` is the leader it last
 *   heard from in its current term, or null if it does not know one.
 * A leader that cannot commit (it lost its majority) simply does not answer; the client
 * times out and tries another node.
 */
export type ClientReply =
  | {
      readonly type: "ClientReply";
      readonly clientId: string;
      readonly seq: number;
      readonly status: "ok";
      readonly result: OpResult;
    }
  | {
      readonly type: "ClientReply";
      readonly clientId: string;
      readonly seq: number;
      readonly status: "redirect";
      readonly leaderHint: NodeId | null;
    };

// ---------------------------------------------------------------------------- part F: PreVote (dissertation 9.6)

/**
 * PreVote request (Ongaro's dissertation, "Consensus: Bridging Theory and Practice", 2014,
 * section 9.6): "would you vote for me in my next term?". It is sent INSTEAD of incrementing
 * the term, so it carries the term the sender would campaign in as `nextTerm`, not as `term`:
 * a receiver never adopts it and never records a vote for it.
 */
export interface PreVote {
  readonly type: "PreVote";
  /** The sender's currentTerm + 1: the term it would start an election in. */
  readonly nextTerm: number;
  readonly candidateId: NodeId;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

/** PreVote results. `term` is the voter's currentTerm, so a stale pre-candidate learns it. */
export interface PreVoteReply {
  readonly type: "PreVoteReply";
  readonly term: number;
  /** The nextTerm of the PreVote this answers, so a late reply to an older round is ignored. */
  readonly nextTerm: number;
  readonly voteGranted: boolean;
}

// ---------------------------------------------------------------------------- part F: snapshots (section 7)

/** What a state machine snapshot holds: the service's whole state, client sessions included. */
export interface ServiceSnapshot {
  readonly counter: number;
  /** Every key and its value. */
  readonly data: ReadonlyArray<readonly [string, string]>;
  /** Per client: the highest seq applied and its result (section 8), so retries stay deduplicated. */
  readonly sessions: ReadonlyArray<readonly [string, { readonly seq: number; readonly result: OpResult }]>;
}

/**
 * A snapshot (section 7, Figure 12): the state machine after applying every entry up to and
 * including lastIncludedIndex, plus the index and term of that entry, which the AppendEntries
 * consistency check needs for the first entry after the snapshot.
 */
export interface Snapshot {
  readonly lastIncludedIndex: number;
  readonly lastIncludedTerm: number;
  readonly state: ServiceSnapshot;
}

/**
 * InstallSnapshot RPC arguments (Figure 13), sent by a leader to a follower that needs entries
 * the leader has already discarded. The snapshot goes whole in one message (no offset, data
 * and done chunking: simulated messages have no size limit).
 */
export interface InstallSnapshot {
  readonly type: "InstallSnapshot";
  readonly term: number;
  readonly leaderId: NodeId;
  readonly snapshot: Snapshot;
}

/**
 * InstallSnapshot RPC results (Figure 13): the follower's currentTerm, plus the snapshot's
 * lastIncludedIndex echoed so the leader knows which snapshot this answers.
 */
export interface InstallSnapshotReply {
  readonly type: "InstallSnapshotReply";
  readonly term: number;
  readonly lastIncludedIndex: number;
}

// ---------------------------------------------------------------------------- options

/**
 * Part F switches. The grader turns them on only in part F's tests; parts A to D run with
 * none of them, so a node that ignores them still scores 100 there.
 */
export interface RaftOptions {
  /** Dissertation 9.6: ask "would you vote for me?" before incrementing the term. */
  readonly preVote?: boolean;
  /**
   * Dissertation 6.2 and 9.6: a leader steps down when it has not heard from a majority for an
   * election timeout, and a node that heard from a leader less than ELECTION_TIMEOUT_MIN_MS ago
   * ignores RequestVote (leader stickiness).
   */
  readonly checkQuorum?: boolean;
  /** Section 7: snapshot the state machine and discard the log prefix once the log holds more entries than this. */
  readonly snapshotThreshold?: number;
}

/** Every message a Raft node sends or receives. */
export type RaftMessage =
  | RequestVote
  | RequestVoteReply
  | AppendEntries
  | AppendEntriesReply
  | ClientRequest
  | ClientReply
  | PreVote
  | PreVoteReply
  | InstallSnapshot
  | InstallSnapshotReply;

/** Timer tags: the election timeout (followers, candidates) and the heartbeat (leaders). */
export type TimerTag = "election" | "heartbeat";

// ---------------------------------------------------------------------------- timing

/**
 * Section 5.2 and 5.6: election timeouts are chosen randomly from a fixed interval so that
 * split votes are rare, and broadcastTime << electionTimeout. The grader expects a new leader
 * within about a second of a majority being able to talk, and at most about 20 heartbeat
 * rounds per second on an idle cluster.
 */
export const ELECTION_TIMEOUT_MIN_MS = 150;
export const ELECTION_TIMEOUT_MAX_MS = 300;
export const HEARTBEAT_INTERVAL_MS = 50;
/** Most entries a leader puts in one AppendEntries (keeps messages small while catching up). */
export const MAX_ENTRIES_PER_MESSAGE = 64;
