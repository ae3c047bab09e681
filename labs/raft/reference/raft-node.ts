/**
 * Reference Raft node: Figure 2 of the paper as a state machine over events. Every input is
 * one of start(env), onMessage(from, msg) or onTimer(tag); every output goes through env.
 * Durable state (currentTerm, votedFor, log, snapshot) is written to env.disk and synced
 * before any message leaves the node, so nothing this node promised is lost in a crash.
 *
 * Part F, each behind its option: PreVote and CheckQuorum (dissertation 9.6 and 6.2), and
 * snapshots with InstallSnapshot (section 7, Figure 13).
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  ELECTION_TIMEOUT_MAX_MS,
  ELECTION_TIMEOUT_MIN_MS,
  MAX_ENTRIES_PER_MESSAGE,
  type AppendEntries,
  type AppendEntriesReply,
  type ClientRequest,
  type Command,
  type InstallSnapshot,
  type InstallSnapshotReply,
  type LogEntry,
  type PreVote,
  type PreVoteReply,
  type RaftMessage,
  type RequestVote,
  type RequestVoteReply,
  type Snapshot,
  type TimerTag,
} from "../src/types.ts";
import { RaftState } from "../src/raft-state.ts";
import { KvCounterStateMachine } from "./state-machine.ts";

/**
 * Disk keys: one record for term and vote, one per log entry (by absolute index), the index of
 * the last entry, and the snapshot that replaced the entries before the first one kept.
 */
const META = "meta";
const LOG_LENGTH = "log/length";
const SNAPSHOT = "snapshot";
const entryKey = (index: number) => `log/${index}`;

interface Meta {
  term: number;
  votedFor: NodeId | null;
}

/**
 * The state of Figure 2 (its persistent part mirrored on disk), the hooks and the log helpers
 * come from the given RaftState of ../src/raft-state.ts.
 */
export class RaftNode extends RaftState<KvCounterStateMachine> implements Node<RaftMessage, TimerTag> {
  protected override machine!: KvCounterStateMachine;

  // Volatile state on candidates and leaders.
  private votes = new Set<NodeId>();
  /** Client requests waiting for their entry to apply: "clientId/seq" -> who asked. */
  private waiting = new Map<string, NodeId>();

  /** Durable state changed since the last sync. */
  private dirty = false;

  /** PreVote: who granted a pre-vote in the current round; undefined when not pre-voting. */
  private preVotes: Set<NodeId> | undefined;
  /** Local time of the last AppendEntries or InstallSnapshot from a current leader. */
  private lastLeaderContact = Number.NEGATIVE_INFINITY;
  /** CheckQuorum: followers heard from (in this term) since the leader's last check. */
  private heardFrom = new Set<NodeId>();
  /** The latest snapshot (also on disk), sent to followers that need discarded entries. */
  private snapshot: Snapshot | undefined;

  // ------------------------------------------------------------------ events

  start(env: Env<RaftMessage, TimerTag>): void {
    this.env = env;
    this.machine = new KvCounterStateMachine();
    this.recover();
    this.becomeFollower(this.term, null);
  }

  onMessage(from: NodeId, msg: RaftMessage): void {
    switch (msg.type) {
      case "RequestVote":
        this.handleRequestVote(from, msg);
        break;
      case "RequestVoteReply":
        this.handleRequestVoteReply(from, msg);
        break;
      case "AppendEntries":
        this.handleAppendEntries(from, msg);
        break;
      case "AppendEntriesReply":
        this.handleAppendEntriesReply(from, msg);
        break;
      case "ClientRequest":
        this.handleClientRequest(from, msg);
        break;
      case "PreVote":
        this.handlePreVote(from, msg);
        break;
      case "PreVoteReply":
        this.handlePreVoteReply(from, msg);
        break;
      case "InstallSnapshot":
        this.handleInstallSnapshot(from, msg);
        break;
      case "InstallSnapshotReply":
        this.handleInstallSnapshotReply(from, msg);
        break;
      case "ClientReply":
        break; // only clients receive these
    }
    this.flush();
  }

  onTimer(tag: TimerTag): void {
    if (tag === "election") {
      this.electionTimer = undefined;
      if (this.state !== "leader") this.campaign();
      else if (this.options.checkQuorum) this.checkQuorum();
    } else {
      this.heartbeatTimer = undefined;
      if (this.state === "leader") {
        this.broadcastAppendEntries();
        this.heartbeatTimer = this.env.setTimer(this.heartbeatInterval(), "heartbeat");
      }
    }
    this.flush();
  }

  // ------------------------------------------------------------------ roles (section 5.2)

  /**
   * Become a follower of the given term. The election timer keeps running: Figure 2 restarts
   * it only on granting a vote, on AppendEntries from the current leader and on starting an
   * election. Restarting it on every higher term would let nodes that cannot win (stale logs)
   * keep starving the one that can. A leader had none (or its quorum check): it gets a fresh one.
   */
  private becomeFollower(term: number, leader: NodeId | null): void {
    if (term > this.term) {
      this.term = term;
      this.vote = null;
      this.saveMeta();
    }
    const wasLeader = this.state === "leader";
    if (wasLeader) this.waiting.clear(); // they will retry at the new leader
    this.state = "follower";
    this.preVotes = undefined;
    this.leaderId = leader;
    this.cancelHeartbeat();
    if (wasLeader || this.electionTimer === undefined) this.resetElectionTimer();
  }

  /** Election timeout: with PreVote, first ask whether an election could be won (dissertation 9.6). */
  private campaign(): void {
    if (this.options.preVote) this.startPreVote();
    else this.becomeCandidate();
  }

  private becomeCandidate(): void {
    this.preVotes = undefined;
    this.state = "candidate";
    this.term += 1;
    this.vote = this.env.id;
    this.leaderId = null;
    this.saveMeta();
    this.votes = new Set([this.env.id]);
    this.resetElectionTimer(); // a split vote times out and tries again in a new term
    const req: RequestVote = {
      type: "RequestVote",
      term: this.term,
      candidateId: this.env.id,
      lastLogIndex: this.lastLogIndex(),
      lastLogTerm: this.lastLogTerm(),
    };
    for (const p of this.env.peers) this.send(p, req);
    if (this.hasMajority(this.votes.size)) this.becomeLeader(); // a cluster of one
  }

  private becomeLeader(): void {
    this.state = "leader";
    this.leaderId = this.env.id;
    this.cancelElectionTimer();
    for (const p of this.env.peers) {
      this.nextIndex.set(p, this.lastLogIndex() + 1);
      this.matchIndex.set(p, 0);
    }
    this.env.log(`leader of term ${this.term}`);
    this.broadcastAppendEntries(); // assert leadership at once
    this.heartbeatTimer = this.env.setTimer(this.heartbeatInterval(), "heartbeat");
    if (this.options.checkQuorum) {
      this.heardFrom.clear();
      this.electionTimer = this.env.setTimer(ELECTION_TIMEOUT_MAX_MS, "election"); // the leader's quorum check
    }
  }

  /**
   * CheckQuorum (dissertation 6.2): once per election timeout, a leader that has not heard from
   * a majority (itself included) since the last check steps down, so clients stop waiting on a
   * leader that cannot commit and its followers may elect another.
   */
  private checkQuorum(): void {
    if (!this.hasMajority(this.heardFrom.size + 1)) {
      this.env.log(`no majority heard from in term ${this.term}: stepping down`);
      this.becomeFollower(this.term, null);
      return;
    }
    this.heardFrom.clear();
    this.electionTimer = this.env.setTimer(ELECTION_TIMEOUT_MAX_MS, "election");
  }

  /**
   * Whether this node heard from a current leader within the minimum election timeout (or is
   * that leader). Such a node believes the leader is alive: it refuses pre-votes and, with
   * CheckQuorum, ignores RequestVote of a higher term (leader stickiness, dissertation 4.2.3).
   */
  private leaderIsAlive(): boolean {
    if (this.state === "leader") return true;
    return this.leaderId !== null && this.env.now() - this.lastLeaderContact < ELECTION_TIMEOUT_MIN_MS;
  }

  /**
   * Figure 2, rules for all servers: a message with a higher term means this node is out of
   * date; adopt the term and become a follower. Returns whether the term was higher.
   */
  private observeTerm(term: number): boolean {
    if (term <= this.term) return false;
    this.becomeFollower(term, null);
    return true;
  }

  // ------------------------------------------------------------------ RequestVote (section 5.2, 5.4.1)

  private handleRequestVote(from: NodeId, m: RequestVote): void {
    // Leader stickiness: a live leader's followers neither adopt the term nor answer.
    if (this.options.checkQuorum && m.term > this.term && this.leaderIsAlive()) return;
    this.observeTerm(m.term);
    const grant =
      m.term === this.term &&
      (this.vote === null || this.vote === m.candidateId) &&
      this.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    if (grant) {
      this.vote = m.candidateId;
      this.saveMeta();
      this.resetElectionTimer(); // we just helped someone else become leader
    }
    const reply: RequestVoteReply = { type: "RequestVoteReply", term: this.term, voteGranted: grant };
    this.send(from, reply);
  }

  /**
   * Section 5.4.1: the candidate's log is at least as up-to-date as ours if its last term is
   * later, or the last terms are equal and its log is at least as long.
   */
  private isUpToDate(lastLogIndex: number, lastLogTerm: number): boolean {
    const myTerm = this.lastLogTerm();
    return lastLogTerm > myTerm || (lastLogTerm === myTerm && lastLogIndex >= this.lastLogIndex());
  }

  private handleRequestVoteReply(from: NodeId, m: RequestVoteReply): void {
    if (this.observeTerm(m.term)) return;
    if (this.state !== "candidate" || m.term !== this.term || !m.voteGranted) return;
    this.votes.add(from);
    if (this.hasMajority(this.votes.size)) this.becomeLeader();
  }

  // ------------------------------------------------------------------ PreVote (dissertation 9.6)

  /**
   * Ask every peer "would you vote for me in term currentTerm + 1?" without changing the term:
   * a node that cannot win (cut off, or behind) never raises its term, so it cannot depose a
   * healthy leader when it comes back.
   */
  private startPreVote(): void {
    this.state = "follower";
    this.leaderId = null;
    this.preVotes = new Set([this.env.id]);
    this.resetElectionTimer(); // no majority answers: try again later
    const req: PreVote = {
      type: "PreVote",
      nextTerm: this.term + 1,
      candidateId: this.env.id,
      lastLogIndex: this.lastLogIndex(),
      lastLogTerm: this.lastLogTerm(),
    };
    for (const p of this.env.peers) this.send(p, req);
    if (this.hasMajority(this.preVotes.size)) this.becomeCandidate(); // a cluster of one
  }

  /**
   * Grant a pre-vote when the real vote would be granted on the log (section 5.4.1) and no
   * leader was heard from recently. Nothing changes here: no term, no votedFor.
   */
  private handlePreVote(from: NodeId, m: PreVote): void {
    const grant = m.nextTerm > this.term && !this.leaderIsAlive() && this.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    const reply: PreVoteReply = { type: "PreVoteReply", term: this.term, nextTerm: m.nextTerm, voteGranted: grant };
    this.send(from, reply);
  }

  /** A majority of pre-votes for this round: start the real election. */
  private handlePreVoteReply(from: NodeId, m: PreVoteReply): void {
    if (this.observeTerm(m.term)) return;
    if (this.preVotes === undefined || m.nextTerm !== this.term + 1 || !m.voteGranted) return;
    this.preVotes.add(from);
    if (this.hasMajority(this.preVotes.size)) this.becomeCandidate();
  }

  // ------------------------------------------------------------------ AppendEntries (section 5.3)

  private handleAppendEntries(from: NodeId, m: AppendEntries): void {
    if (m.term < this.term) {
      this.send(from, this.appendReply(false, 0, 0, 0)); // a stale leader learns our term
      return;
    }
    // A current leader exists: candidates of this term give up (section 5.2).
    this.becomeFollower(m.term, m.leaderId);
    this.resetElectionTimer();
    this.lastLeaderContact = this.env.now();

    let prevLogIndex = m.prevLogIndex;
    let prevLogTerm = m.prevLogTerm;
    let entries = m.entries;
    if (prevLogIndex < this.lastIncludedIndex) {
      // Our snapshot already holds these committed entries: keep only what follows it.
      entries = entries.slice(this.lastIncludedIndex - prevLogIndex);
      prevLogIndex = this.lastIncludedIndex;
      prevLogTerm = this.lastIncludedTerm;
    }
    if (prevLogIndex > this.lastLogIndex()) {
      this.send(from, this.appendReply(false, 0, 0, this.lastLogIndex() + 1));
      return;
    }
    const prevTerm = this.termAt(prevLogIndex);
    if (prevTerm !== prevLogTerm) {
      let first = prevLogIndex;
      while (first > this.lastIncludedIndex + 1 && this.termAt(first - 1) === prevTerm) first--;
      this.send(from, this.appendReply(false, 0, prevTerm, first));
      return;
    }
    this.storeEntries(prevLogIndex, entries);
    const lastNew = prevLogIndex + entries.length;
    this.advanceFollowerCommit(m.leaderCommit, lastNew);
    this.send(from, this.appendReply(true, lastNew, 0, 0));
  }

  /**
   * Figure 2, AppendEntries receiver rules 3 and 4: delete an existing entry that conflicts
   * with a new one (same index, different term) and all that follow it; append entries not
   * already in the log. Entries that match stay: a delayed, shorter AppendEntries must not
   * cut off entries a newer one already added.
   */
  private storeEntries(prevLogIndex: number, entries: readonly LogEntry[]): void {
    for (let i = 0; i < entries.length; i++) {
      const index = prevLogIndex + 1 + i;
      const entry = entries[i] as LogEntry;
      if (index <= this.lastLogIndex()) {
        if (this.termAt(index) === entry.term) continue;
        this.truncateFrom(index);
      }
      this.appendEntry(entry);
    }
  }

  /** Figure 2, receiver rule 5: commitIndex = min(leaderCommit, index of last new entry). */
  private advanceFollowerCommit(leaderCommit: number, lastNewIndex: number): void {
    if (leaderCommit > this.commit) {
      this.commit = Math.max(this.commit, Math.min(leaderCommit, lastNewIndex));
      this.applyCommitted();
    }
  }

  private handleAppendEntriesReply(from: NodeId, m: AppendEntriesReply): void {
    if (this.observeTerm(m.term)) return;
    if (this.state !== "leader" || m.term !== this.term) return;
    this.heardFrom.add(from);
    if (m.success) {
      const before = this.matchIndex.get(from) ?? 0;
      if (m.matchIndex <= before) return; // a late or duplicated reply: nothing new
      this.matchIndex.set(from, m.matchIndex);
      this.nextIndex.set(from, Math.max(this.nextIndex.get(from) ?? 1, m.matchIndex + 1));
      this.advanceLeaderCommit();
      if (m.matchIndex < this.lastLogIndex()) this.sendAppendEntries(from); // more to send
    } else {
      const before = this.nextIndex.get(from) ?? 1;
      this.backUp(from, m);
      // Retry at once, but only once per step back: duplicated rejections must not multiply.
      if ((this.nextIndex.get(from) ?? 1) < before) this.sendAppendEntries(from);
    }
  }

  /**
   * Section 5.3, end: use the follower's hint to skip a whole conflicting term. If we have
   * entries of conflictTerm, resume after our last one; otherwise at the follower's first.
   */
  private backUp(peer: NodeId, m: AppendEntriesReply): void {
    let next = m.conflictIndex;
    if (m.conflictTerm > 0) {
      for (let i = this.lastLogIndex(); i > this.lastIncludedIndex; i--) {
        const t = this.termAt(i);
        if (t === m.conflictTerm) {
          next = i + 1;
          break;
        }
        if (t < m.conflictTerm) break;
      }
    }
    const floor = (this.matchIndex.get(peer) ?? 0) + 1;
    this.nextIndex.set(peer, Math.min(this.lastLogIndex() + 1, Math.max(floor, next)));
  }

  /**
   * Figure 2, rules for leaders: commitIndex = N for the largest N replicated on a majority
   * with log[N].term == currentTerm. Entries of earlier terms are committed only indirectly,
   * by committing a later entry of the current term (section 5.4.2, Figure 8).
   */
  private advanceLeaderCommit(): void {
    for (let n = this.lastLogIndex(); n > this.commit; n--) {
      if (this.termAt(n) !== this.term) break; // only an entry of the leader's own term is committed by counting
      let count = 1; // the leader itself
      for (const p of this.env.peers) if ((this.matchIndex.get(p) ?? 0) >= n) count++;
      if (this.hasMajority(count)) {
        this.commit = n;
        this.applyCommitted();
        return;
      }
    }
  }

  private broadcastAppendEntries(): void {
    for (const p of this.env.peers) this.sendAppendEntries(p);
  }

  private sendAppendEntries(peer: NodeId): void {
    const next = this.nextIndex.get(peer) ?? this.lastLogIndex() + 1;
    if (next <= this.lastIncludedIndex) return this.sendInstallSnapshot(peer); // those entries are gone
    const prev = next - 1;
    const msg: AppendEntries = {
      type: "AppendEntries",
      term: this.term,
      leaderId: this.env.id,
      prevLogIndex: prev,
      prevLogTerm: this.termAt(prev),
      entries: this.entries.slice(
        prev - this.lastIncludedIndex,
        prev - this.lastIncludedIndex + MAX_ENTRIES_PER_MESSAGE,
      ),
      leaderCommit: this.commit,
    };
    this.send(peer, msg);
  }

  // ------------------------------------------------------------------ snapshots (section 7, Figure 13)

  private sendInstallSnapshot(peer: NodeId): void {
    const snapshot = this.snapshot as Snapshot;
    const msg: InstallSnapshot = { type: "InstallSnapshot", term: this.term, leaderId: this.env.id, snapshot };
    this.send(peer, msg);
  }

  /**
   * Figure 13, receiver: reply at once to an older term; a snapshot that adds nothing to what
   * we committed is only acknowledged; otherwise install it and keep the log only past it.
   */
  private handleInstallSnapshot(from: NodeId, m: InstallSnapshot): void {
    const s = m.snapshot;
    if (m.term >= this.term) {
      this.becomeFollower(m.term, m.leaderId);
      this.resetElectionTimer();
      this.lastLeaderContact = this.env.now();
      if (s.lastIncludedIndex > this.commit) this.installSnapshot(s);
    }
    const reply: InstallSnapshotReply = {
      type: "InstallSnapshotReply",
      term: this.term,
      lastIncludedIndex: s.lastIncludedIndex,
    };
    this.send(from, reply);
  }

  /**
   * Figure 13, rules 6 to 8: if our log has the snapshot's last entry (same index and term),
   * the entries after it are still valid: keep them; otherwise discard the whole log. Then the
   * state machine becomes the snapshot's state.
   */
  private installSnapshot(s: Snapshot): void {
    const keepSuffix =
      s.lastIncludedIndex <= this.lastLogIndex() && this.termAt(s.lastIncludedIndex) === s.lastIncludedTerm;
    const dropThrough = keepSuffix ? s.lastIncludedIndex : this.lastLogIndex();
    for (let i = this.lastIncludedIndex + 1; i <= dropThrough; i++) this.env.disk.delete(entryKey(i));
    this.entries = keepSuffix ? this.entries.slice(s.lastIncludedIndex - this.lastIncludedIndex) : [];
    this.setSnapshot(s);
    this.machine.restore(s.state);
    this.commit = Math.max(this.commit, s.lastIncludedIndex);
    this.applied = s.lastIncludedIndex;
    this.applyCommitted(); // a kept suffix may hold committed entries too
  }

  private handleInstallSnapshotReply(from: NodeId, m: InstallSnapshotReply): void {
    if (this.observeTerm(m.term)) return;
    if (this.state !== "leader" || m.term !== this.term) return;
    this.heardFrom.add(from);
    if (m.lastIncludedIndex <= (this.matchIndex.get(from) ?? 0)) return; // late or duplicated
    this.matchIndex.set(from, m.lastIncludedIndex);
    this.nextIndex.set(from, Math.max(this.nextIndex.get(from) ?? 1, m.lastIncludedIndex + 1));
    this.advanceLeaderCommit();
    if (m.lastIncludedIndex < this.lastLogIndex()) this.sendAppendEntries(from);
  }

  /** Section 7: once the log outgrows the threshold, snapshot the applied state and drop that prefix. */
  private maybeCompact(): void {
    const threshold = this.options.snapshotThreshold;
    if (threshold === undefined || this.entries.length <= threshold) return;
    const through = this.applied; // the state machine holds exactly the entries applied
    if (through <= this.lastIncludedIndex) return;
    const snapshot: Snapshot = {
      lastIncludedIndex: through,
      lastIncludedTerm: this.termAt(through),
      state: this.machine.snapshot(),
    };
    for (let i = this.lastIncludedIndex + 1; i <= through; i++) this.env.disk.delete(entryKey(i));
    this.entries = this.entries.slice(through - this.lastIncludedIndex);
    this.setSnapshot(snapshot);
  }

  private setSnapshot(s: Snapshot): void {
    this.snapshot = s;
    this.lastIncludedIndex = s.lastIncludedIndex;
    this.lastIncludedTerm = s.lastIncludedTerm;
    this.env.disk.write(SNAPSHOT, s);
    this.env.disk.write(LOG_LENGTH, this.lastLogIndex());
    this.dirty = true;
  }

  private appendReply(
    success: boolean,
    matchIndex: number,
    conflictTerm: number,
    conflictIndex: number,
  ): AppendEntriesReply {
    return { type: "AppendEntriesReply", term: this.term, success, matchIndex, conflictTerm, conflictIndex };
  }

  // ------------------------------------------------------------------ applying and clients (section 8)

  /** Figure 2: while commitIndex > lastApplied, apply log[lastApplied + 1]; the leader answers its client. */
  private applyCommitted(): void {
    while (this.applied < this.commit) {
      this.applied++;
      const cmd = (this.entryAt(this.applied) as LogEntry).command;
      const result = this.machine.apply(cmd);
      const key = `${cmd.clientId}/${cmd.seq}`;
      const to = this.waiting.get(key);
      if (to !== undefined) {
        this.waiting.delete(key);
        this.send(to, { type: "ClientReply", clientId: cmd.clientId, seq: cmd.seq, status: "ok", result });
      }
    }
    this.maybeCompact();
  }

  /**
   * Section 8: only the leader serves requests; reads go through the log like writes, so a
   * deposed leader that still believes it leads cannot answer from a stale state.
   */
  private handleClientRequest(from: NodeId, m: ClientRequest): void {
    if (this.state !== "leader") {
      this.send(from, {
        type: "ClientReply",
        clientId: m.clientId,
        seq: m.seq,
        status: "redirect",
        leaderHint: this.leaderId,
      });
      return;
    }
    const done = this.machine.resultOf(m.clientId, m.seq);
    if (done !== undefined) {
      this.send(from, { type: "ClientReply", clientId: m.clientId, seq: m.seq, status: "ok", result: done });
      return;
    }
    const key = `${m.clientId}/${m.seq}`;
    const alreadyInLog = this.waiting.has(key); // appended in this term, not applied yet
    this.waiting.set(key, from);
    if (alreadyInLog) return;
    const command: Command = { clientId: m.clientId, seq: m.seq, op: m.op };
    this.appendEntry({ term: this.term, command });
    this.broadcastAppendEntries();
    if (this.hasMajority(1)) {
      this.advanceLeaderCommit(); // a cluster of one commits alone
    }
  }

  // ------------------------------------------------------------------ log helpers

  private lastLogTerm(): number {
    return this.termAt(this.lastLogIndex());
  }

  // ------------------------------------------------------------------ persistence (Figure 2: "updated on stable storage before responding to RPCs")

  private appendEntry(entry: LogEntry): void {
    this.entries.push(entry);
    this.env.disk.write(entryKey(this.lastLogIndex()), entry);
    this.env.disk.write(LOG_LENGTH, this.lastLogIndex());
    this.dirty = true;
  }

  private truncateFrom(index: number): void {
    for (let i = index; i <= this.lastLogIndex(); i++) this.env.disk.delete(entryKey(i));
    this.entries.length = index - 1 - this.lastIncludedIndex;
    this.env.disk.write(LOG_LENGTH, this.lastLogIndex());
    this.dirty = true;
  }

  private saveMeta(): void {
    const meta: Meta = { term: this.term, votedFor: this.vote };
    this.env.disk.write(META, meta);
    this.dirty = true;
  }

  /** Make every durable change so far survive a crash. */
  private flush(): void {
    if (!this.dirty) return;
    this.env.disk.sync();
    this.dirty = false;
  }

  /**
   * Read currentTerm, votedFor, the snapshot and the log after it back after a restart. The
   * snapshot's entries count as committed and applied: its state is the state machine's.
   */
  private recover(): void {
    const meta = this.env.disk.read<Meta>(META);
    this.term = meta?.term ?? 0;
    this.vote = meta?.votedFor ?? null;
    this.snapshot = this.env.disk.read<Snapshot>(SNAPSHOT);
    if (this.snapshot !== undefined) {
      this.lastIncludedIndex = this.snapshot.lastIncludedIndex;
      this.lastIncludedTerm = this.snapshot.lastIncludedTerm;
      this.machine.restore(this.snapshot.state);
      this.commit = this.applied = this.lastIncludedIndex;
    }
    const n = this.env.disk.read<number>(LOG_LENGTH) ?? 0;
    this.entries = [];
    for (let i = this.lastIncludedIndex + 1; i <= n; i++) {
      const e = this.env.disk.read<LogEntry>(entryKey(i));
      if (e === undefined) throw new Error(`log entry ${i} of ${n} missing on disk`);
      this.entries.push(e);
    }
  }

  // ------------------------------------------------------------------ I/O

  /** Every message leaves through here: durable state is synced first (persist before reply). */
  private send(to: NodeId, msg: RaftMessage): void {
    this.flush();
    this.env.send(to, msg);
  }

  private resetElectionTimer(): void {
    this.cancelElectionTimer();
    this.electionTimer = this.env.setTimer(this.electionTimeout(), "election");
  }

  private cancelElectionTimer(): void {
    if (this.electionTimer !== undefined) this.env.cancelTimer(this.electionTimer);
    this.electionTimer = undefined;
  }

  private cancelHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) this.env.cancelTimer(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }
}
