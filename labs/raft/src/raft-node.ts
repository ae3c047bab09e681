/**
 * Your Raft node. Work through the TODOs part by part (A election, B replication,
 * C persistence, D service, and the bonus part F: PreVote, CheckQuorum, snapshots);
 * `pnpm grade raft` tells you which part to look at next.
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
  type InstallSnapshot,
  type InstallSnapshotReply,
  type LogEntry,
  type PreVote,
  type PreVoteReply,
  type Snapshot,
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
   * Part A: store env, becomeFollower of the current term, and start the election timer.
   * Part C: first read currentTerm, votedFor and the log back from env.disk.
   * Part F (snapshots): read the snapshot first; see the part F section at the end.
   */
  start(env: Env<RaftMessage, TimerTag>): void {
    // TODO: this.env = env; recover from disk (part C); becomeFollower; set the election timer.
    throw new NotImplemented("RaftNode.start");
  }

  /**
   * Dispatch on msg.type to the handlers below. Messages are copies: you may keep them.
   * Part F adds PreVote, PreVoteReply, InstallSnapshot and InstallSnapshotReply.
   */
  onMessage(from: NodeId, msg: RaftMessage): void {
    // TODO: switch (msg.type) { case "RequestVote": ... } (ClientReply is for clients only).
    throw new NotImplemented("RaftNode.onMessage");
  }

  /**
   * "election": no heartbeat arrived in time (Figure 2, followers: "If election timeout
   * elapses without receiving AppendEntries RPC from current leader or granting vote to
   * candidate: convert to candidate"; candidates: start a new election on timeout).
   * "heartbeat": a leader calls sendAppendEntries for every peer and sets the timer again.
   * Part F: with options.preVote, an election timeout calls startPreVote() instead of
   * becomeCandidate(); with options.checkQuorum, a leader keeps an "election" timer too, and
   * when it fires calls checkQuorum().
   */
  onTimer(tag: TimerTag): void {
    // TODO: start an election, or send heartbeats and re-arm the heartbeat timer.
    throw new NotImplemented("RaftNode.onTimer");
  }

  // ------------------------------------------------------------------ part A: leader election (section 5.2)

  /**
   * Become a follower of `term` that knows `leader` (null if none): a higher term is adopted
   * with votedFor cleared (Part C: on disk before any reply). A leader stepping down stops its
   * heartbeat timer and starts an election timer; otherwise a running election timer keeps
   * running (see observeTerm for why).
   */
  protected becomeFollower(term: number, leader: NodeId | null): void {
    // TODO: see above.
    throw new NotImplemented("RaftNode.becomeFollower");
  }

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
   * currentTerm = T, convert to follower" (becomeFollower). This applies to leaders AND
   * candidates, on every message type. Clear votedFor when the term changes (a new term, a
   * new vote). Do NOT reset the election timer here: Figure 2 resets it only on granting a
   * vote, on AppendEntries from the current leader and on starting an election; a node that
   * restarts it on every higher term lets nodes with stale logs starve the only one that can win.
   * (A leader stepping down has no election timer: start one.)
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
   * Part F: with options.checkQuorum, first apply leader stickiness (see checkQuorum below).
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
   * Any valid AppendEntries (term >= currentTerm) comes from the current leader: becomeFollower
   * (or stay one), remembering the leader for redirects, and reset your election timer.
   * Part F: also note when (env.now()) you last heard from the leader, for PreVote and leader
   * stickiness; with snapshots, prevLogIndex may lie inside your snapshot: those entries are
   * committed and match, so skip the new entries up to lastIncludedIndex.
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
   * Leader: send `peer` one AppendEntries starting at nextIndex[peer]: prevLogIndex =
   * nextIndex - 1, prevLogTerm = termAt(prevLogIndex), the entries from nextIndex on (at most
   * MAX_ENTRIES_PER_MESSAGE of types.ts; none makes a heartbeat) and leaderCommit = commitIndex.
   * Part F: when nextIndex is at or before lastIncludedIndex, send InstallSnapshot instead.
   */
  protected sendAppendEntries(peer: NodeId): void {
    // TODO
    throw new NotImplemented("RaftNode.sendAppendEntries");
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

  // ------------------------------------------------------------------ part F (bonus): PreVote and CheckQuorum
  // Ongaro's dissertation, "Consensus: Bridging Theory and Practice" (Stanford, 2014). Only part
  // F's tests turn these on (this.options.preVote, this.options.checkQuorum); with them off
  // your node must behave exactly as in parts A to D.

  /**
   * Dissertation 9.6 (PreVote): a node cut off from the cluster times out again and again;
   * with plain Raft it raises its term each time, and when it comes back that higher term
   * deposes a healthy leader. Instead, on an election timeout with options.preVote: stay in
   * your term, send PreVote { nextTerm: currentTerm + 1, lastLogIndex, lastLogTerm } to every
   * peer, remember who granted (yourself included), reset the election timer, and call
   * becomeCandidate() (the real election, which increments the term) only once a majority
   * granted. Do NOT increment currentTerm or change votedFor here.
   */
  protected startPreVote(): void {
    // TODO: see above. A pre-candidate's role stays "follower"; it knows no leader (leaderId = null).
    throw new NotImplemented("RaftNode.startPreVote");
  }

  /**
   * Dissertation 9.6: grant a pre-vote when m.nextTerm > currentTerm, the sender's log is at
   * least as up-to-date as yours (the 5.4.1 rule), and you have NOT heard from a current leader
   * within ELECTION_TIMEOUT_MIN_MS (a leader itself never grants). Answer with PreVoteReply
   * { term: currentTerm, nextTerm: m.nextTerm, voteGranted }. Change nothing: a pre-vote is not
   * a vote (no votedFor, no term, no timer reset).
   */
  protected handlePreVote(from: NodeId, m: PreVote): void {
    // TODO: see above; measure "heard from a leader recently" with env.now() on this node only.
    throw new NotImplemented("RaftNode.handlePreVote");
  }

  /**
   * A higher term in the reply: adopt it as usual (observeTerm). Otherwise count a granted
   * reply of the current round (m.nextTerm === currentTerm + 1, each voter once); on a majority
   * start the real election with becomeCandidate().
   */
  protected handlePreVoteReply(from: NodeId, m: PreVoteReply): void {
    // TODO
    throw new NotImplemented("RaftNode.handlePreVoteReply");
  }

  /**
   * Dissertation 6.2 (CheckQuorum), with options.checkQuorum: a leader remembers which peers
   * answered it (AppendEntriesReply, InstallSnapshotReply of its term). Every
   * ELECTION_TIMEOUT_MAX_MS (set an "election" timer in becomeLeader and again here) it checks:
   * if it heard from fewer than a majority (itself included) since the last check, it steps
   * down to follower of the same term; otherwise it forgets who answered and re-arms the timer.
   * Also with options.checkQuorum (leader stickiness, dissertation 4.2.3): in handleRequestVote,
   * a RequestVote of a higher term that reaches a leader, or a follower that heard from its
   * leader within ELECTION_TIMEOUT_MIN_MS, is ignored: no term change, no vote, no reply.
   */
  protected checkQuorum(): void {
    // TODO: see above.
    throw new NotImplemented("RaftNode.checkQuorum");
  }

  // ------------------------------------------------------------------ part F (bonus): snapshots (section 7)
  // With options.snapshotThreshold set, the log must not grow forever. The given helpers already
  // count from the snapshot: lastLogIndex(), termAt() and entryAt() use lastIncludedIndex and
  // lastIncludedTerm (raft-state.ts), so read the log through them, never as entries[index - 1].
  // Persist the snapshot with the log (env.disk), and in start() load it back: the state machine
  // takes its state (machine.restore) and commitIndex = lastApplied = lastIncludedIndex.

  /**
   * Section 7: after applying entries, if the log holds more than options.snapshotThreshold
   * entries, take a snapshot { lastIncludedIndex: lastApplied, lastIncludedTerm,
   * state: machine.snapshot() }, save it to disk, and discard the entries up to lastApplied
   * (from memory and disk). Never compact past lastApplied: later entries are not in the state
   * machine yet, and uncommitted ones may still be replaced.
   */
  protected maybeCompact(): void {
    // TODO: see above; call it at the end of applyCommitted.
    throw new NotImplemented("RaftNode.maybeCompact");
  }

  /**
   * Leader side: when a follower's nextIndex is at or before lastIncludedIndex, the entries it
   * needs are gone, so sendAppendEntries sends InstallSnapshot { term, leaderId, snapshot }
   * (Figure 13, whole snapshot in one message) instead.
   */
  protected sendInstallSnapshot(peer: NodeId): void {
    // TODO
    throw new NotImplemented("RaftNode.sendInstallSnapshot");
  }

  /**
   * InstallSnapshot receiver (Figure 13): 1. reply at once if term < currentTerm. Otherwise
   * it comes from the current leader (becomeFollower, reset the election timer). If the
   * snapshot covers nothing beyond your commitIndex, just reply. Else: 6. if your log has an
   * entry at lastIncludedIndex with lastIncludedTerm, keep the entries after it; 7. otherwise
   * discard the entire log; 8. the state machine takes the snapshot's state, commitIndex and
   * lastApplied become (at least) lastIncludedIndex. Persist before replying
   * InstallSnapshotReply { term, lastIncludedIndex }.
   */
  protected handleInstallSnapshot(from: NodeId, m: InstallSnapshot): void {
    // TODO
    throw new NotImplemented("RaftNode.handleInstallSnapshot");
  }

  /**
   * Leader side: the follower now holds everything up to m.lastIncludedIndex: raise its
   * matchIndex and nextIndex (never lower them: replies may be late or duplicated) and go on
   * with AppendEntries from there.
   */
  protected handleInstallSnapshotReply(from: NodeId, m: InstallSnapshotReply): void {
    // TODO
    throw new NotImplemented("RaftNode.handleInstallSnapshotReply");
  }
}
