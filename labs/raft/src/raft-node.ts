/**
 * Your Raft node. Work through the TODOs part by part (A election, B replication,
 * C persistence, D service); `pnpm grade raft` tells you which part to look at next.
 *
 * The node is a deterministic event handler: it reacts to start(env), onMessage(from, msg)
 * and onTimer(tag), and touches the world only through `env` (send, setTimer, cancelTimer,
 * random, disk, log). Never use Math.random, Date.now or setTimeout here: the grader replays
 * runs from a seed and would tell you. The same class later runs over real processes.
 *
 * Figure 2 of the paper is the specification; each method below cites the rule it implements.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
import {
  ELECTION_TIMEOUT_MAX_MS,
  ELECTION_TIMEOUT_MIN_MS,
  HEARTBEAT_INTERVAL_MS,
  type AppendEntries,
  type AppendEntriesReply,
  type ClientRequest,
  type LogEntry,
  type RaftMessage,
  type RequestVote,
  type RequestVoteReply,
  type Role,
  type TimerTag,
} from "./types.ts";
import { KvCounterStateMachine } from "./state-machine.ts";
import { RaftState } from "./raft-state.ts";

/**
 * The state of Figure 2 (term, vote, entries, state, commit, applied, leaderId, machine,
 * nextIndex, matchIndex, the two timers), the hooks the grader reads and the helpers
 * lastLogIndex, termAt, hasMajority, electionTimeout and heartbeatInterval are given in
 * raft-state.ts, which this class extends. Add the fields you need (votes received, clients
 * waiting for an answer, ...) here.
 */
export class RaftNode extends RaftState<KvCounterStateMachine> implements Node<RaftMessage, TimerTag> {
  protected override machine = new KvCounterStateMachine();

  // ------------------------------------------------------------------ events

  /**
   * Called at boot and after every restart, on a fresh instance.
   * Part A: store env, become a follower and start the election timer.
   * Part C: first read currentTerm, votedFor and the log back from env.disk.
   */
  start(env: Env<RaftMessage, TimerTag>): void {
    // TODO: this.env = env; recover from disk (part C); become a follower; set the election timer.
    throw new NotImplemented("RaftNode.start");
  }

  /** Dispatch on msg.type to the handlers below. Messages are copies: you may keep them. */
  onMessage(from: NodeId, msg: RaftMessage): void {
    // TODO: switch (msg.type) { case "RequestVote": ... } (ClientReply is for clients only).
    throw new NotImplemented("RaftNode.onMessage");
  }

  /**
   * "election": no heartbeat arrived in time (Figure 2, followers: "If election timeout
   * elapses without receiving AppendEntries RPC from current leader or granting vote to
   * candidate: convert to candidate"; candidates: start a new election on timeout).
   * "heartbeat": a leader sends AppendEntries to every peer and sets the timer again.
   */
  onTimer(tag: TimerTag): void {
    // TODO: start an election, or send heartbeats and re-arm the heartbeat timer.
    throw new NotImplemented("RaftNode.onTimer");
  }

  // ------------------------------------------------------------------ part A: leader election (section 5.2)

  /**
   * Figure 2, candidates: increment currentTerm, vote for self, reset the election timer, send
   * RequestVote to all peers. Use a random timeout in
   * [ELECTION_TIMEOUT_MIN_MS, ELECTION_TIMEOUT_MAX_MS) from env.random(): with equal timeouts
   * every node would time out together and split the vote forever.
   */
  protected becomeCandidate(): void {
    // TODO: see above; remember whose votes you got (including your own).
    throw new NotImplemented("RaftNode.becomeCandidate");
  }

  /**
   * Figure 2, leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to
   * each server; repeat during idle periods to prevent election timeouts". Initialize
   * nextIndex to your last log index + 1 and matchIndex to 0 for every peer. Heartbeats must
   * come well within the election timeout (HEARTBEAT_INTERVAL_MS).
   */
  protected becomeLeader(): void {
    // TODO
    throw new NotImplemented("RaftNode.becomeLeader");
  }

  /**
   * Figure 2, all servers: "If RPC request or response contains term T > currentTerm: set
   * currentTerm = T, convert to follower". This applies to leaders AND candidates, on every
   * message type. Clear votedFor when the term changes (a new term, a new vote).
   */
  protected observeTerm(term: number): boolean {
    // TODO: return whether the term was higher (then you are now a follower).
    throw new NotImplemented("RaftNode.observeTerm");
  }

  /**
   * RequestVote receiver (Figure 2): reply false if term < currentTerm; grant if votedFor is
   * null or candidateId AND the candidate's log is at least as up-to-date as yours (section
   * 5.4.1: compare last terms first, then lengths). Granting a vote resets your election
   * timer. Part C: the vote must be on disk before the reply leaves.
   */
  protected handleRequestVote(from: NodeId, m: RequestVote): void {
    // TODO
    throw new NotImplemented("RaftNode.handleRequestVote");
  }

  /** Count a granted vote of the current term; a majority (of all nodes, you included) wins. */
  protected handleRequestVoteReply(from: NodeId, m: RequestVoteReply): void {
    // TODO
    throw new NotImplemented("RaftNode.handleRequestVoteReply");
  }

  // ------------------------------------------------------------------ part B: log replication (section 5.3)

  /**
   * AppendEntries receiver (Figure 2):
   * 1. Reply false if term < currentTerm (include your term so the stale leader steps down).
   * 2. Reply false if the log has no entry at prevLogIndex whose term matches prevLogTerm;
   *    fill conflictTerm/conflictIndex (see AppendEntriesReply) so the leader can skip back
   *    a whole term at a time.
   * 3. If an existing entry conflicts with a new one (same index, different terms), delete it
   *    and all that follow it. ONLY then: an entry that matches stays, and so do entries after
   *    it (a delayed or duplicated AppendEntries must never shorten your log).
   * 4. Append any new entries not already in the log.
   * 5. If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new
   *    entry). commitIndex never goes down.
   * Any valid AppendEntries (term >= currentTerm) comes from the current leader: become (or
   * stay) a follower, remember the leader for redirects, and reset your election timer.
   */
  protected handleAppendEntries(from: NodeId, m: AppendEntries): void {
    // TODO
    throw new NotImplemented("RaftNode.handleAppendEntries");
  }

  /**
   * Leader side (Figure 2, leaders): on success update matchIndex and nextIndex for the
   * follower; on failure move nextIndex back using the conflict hints and retry.
   * Then: "If there exists an N such that N > commitIndex, a majority of matchIndex[i] >= N,
   * and log[N].term == currentTerm: set commitIndex = N". The last condition is Figure 8:
   * never commit an entry of an earlier term by counting replicas (section 5.4.2).
   * Ignore replies from an older term.
   */
  protected handleAppendEntriesReply(from: NodeId, m: AppendEntriesReply): void {
    // TODO
    throw new NotImplemented("RaftNode.handleAppendEntriesReply");
  }

  /**
   * Figure 2, all servers: "If commitIndex > lastApplied: increment lastApplied, apply
   * log[lastApplied] to state machine". A leader then answers the client waiting for that
   * entry with { status: "ok", result }.
   */
  protected applyCommitted(): void {
    // TODO
    throw new NotImplemented("RaftNode.applyCommitted");
  }

  // ------------------------------------------------------------------ part D: the service (section 8)

  /**
   * A client request. Not the leader: answer { status: "redirect", leaderHint }. Leader:
   * if (clientId, seq) was already applied answer it at once; otherwise append it to the log
   * (once, even if the request arrives many times), replicate, and answer only after the
   * entry is committed and applied (see applyCommitted). Reads ("get", "read") go through
   * the log too: a leader that was paused or partitioned may have been replaced without
   * knowing it, and its local state may be stale.
   */
  protected handleClientRequest(from: NodeId, m: ClientRequest): void {
    // TODO
    throw new NotImplemented("RaftNode.handleClientRequest");
  }
}
