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
import { NotImplemented, type Env, type Node, type NodeId, type TimerHandle } from "@faultline/sim";
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

export class RaftNode implements Node<RaftMessage, TimerTag> {
  protected env!: Env<RaftMessage, TimerTag>;

  // Persistent state on all servers (Figure 2). Part C: keep it in env.disk as well, and
  // env.disk.sync() before any message leaves the node ("updated on stable storage before
  // responding to RPCs").
  protected term = 0;
  protected vote: NodeId | null = null;
  /** entries[i] is log index i + 1 (Raft's log is 1-based; index 0 is the empty prefix). */
  protected entries: LogEntry[] = [];

  // Volatile state on all servers (Figure 2). A restart starts from scratch: commitIndex and
  // lastApplied are 0 again, and the state machine is rebuilt by re-applying committed entries.
  protected state: Role = "follower";
  protected commit = 0;
  protected applied = 0;
  protected leaderId: NodeId | null = null;
  protected machine = new KvCounterStateMachine();

  // Volatile state on leaders (Figure 2), reinitialized after each election.
  protected nextIndex = new Map<NodeId, number>();
  protected matchIndex = new Map<NodeId, number>();

  protected electionTimer: TimerHandle | undefined;
  protected heartbeatTimer: TimerHandle | undefined;

  // ------------------------------------------------------------------ hooks read by the grader
  // The grader reads these after every step to check the safety properties of Figure 3.
  // Keep them truthful; they are already written.

  get role(): Role {
    return this.state;
  }
  get currentTerm(): number {
    return this.term;
  }
  get votedFor(): NodeId | null {
    return this.vote;
  }
  get log(): readonly LogEntry[] {
    return this.entries;
  }
  get commitIndex(): number {
    return this.commit;
  }
  get lastApplied(): number {
    return this.applied;
  }
  get stateMachine(): KvCounterStateMachine {
    return this.machine;
  }
  get leaderHint(): NodeId | null {
    return this.leaderId;
  }

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

  // ------------------------------------------------------------------ helpers

  protected lastLogIndex(): number {
    return this.entries.length;
  }

  /** Term of the entry at `index` (1-based); 0 for index 0. */
  protected termAt(index: number): number {
    return index === 0 ? 0 : (this.entries[index - 1]?.term ?? 0);
  }

  /** Whether `count` nodes (you included) are a majority of the cluster. */
  protected hasMajority(count: number): boolean {
    return count * 2 > this.env.peers.length + 1;
  }

  /** A random election timeout (section 5.2). */
  protected electionTimeout(): number {
    return ELECTION_TIMEOUT_MIN_MS + this.env.random() * (ELECTION_TIMEOUT_MAX_MS - ELECTION_TIMEOUT_MIN_MS);
  }

  protected heartbeatInterval(): number {
    return HEARTBEAT_INTERVAL_MS;
  }
}
