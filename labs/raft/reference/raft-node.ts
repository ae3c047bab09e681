/**
 * Reference Raft node: Figure 2 of the paper as a state machine over events. Every input is
 * one of start(env), onMessage(from, msg) or onTimer(tag); every output goes through env.
 * Durable state (currentTerm, votedFor, log) is written to env.disk and synced before any
 * message leaves the node, so nothing this node promised is lost in a crash.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  MAX_ENTRIES_PER_MESSAGE,
  type AppendEntries,
  type AppendEntriesReply,
  type ClientRequest,
  type Command,
  type LogEntry,
  type RaftMessage,
  type RequestVote,
  type RequestVoteReply,
  type TimerTag,
} from "../src/types.ts";
import { RaftState } from "../src/raft-state.ts";
import { KvCounterStateMachine } from "./state-machine.ts";

/** Disk keys: one record for term and vote, one per log entry, and the log's length. */
const META = "meta";
const LOG_LENGTH = "log/length";
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
  protected votes = new Set<NodeId>();
  /** Client requests waiting for their entry to apply: "clientId/seq" -> who asked. */
  protected waiting = new Map<string, NodeId>();

  /** Durable state changed since the last sync. */
  protected dirty = false;

  // ------------------------------------------------------------------ events

  start(env: Env<RaftMessage, TimerTag>): void {
    this.env = env;
    this.machine = this.createStateMachine();
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
      case "ClientReply":
        break; // only clients receive these
    }
    this.flush();
  }

  onTimer(tag: TimerTag): void {
    if (tag === "election") {
      this.electionTimer = undefined;
      if (this.state !== "leader") this.becomeCandidate();
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

  protected becomeFollower(term: number, leader: NodeId | null): void {
    if (term > this.term) {
      this.term = term;
      this.vote = null;
      this.saveMeta();
    }
    if (this.state === "leader") this.waiting.clear(); // they will retry at the new leader
    this.state = "follower";
    this.leaderId = leader;
    this.cancelHeartbeat();
    this.resetElectionTimer();
  }

  protected becomeCandidate(): void {
    this.state = "candidate";
    this.term += 1;
    this.vote = this.env.id;
    this.leaderId = null;
    this.saveMeta();
    this.votes = new Set([this.env.id]);
    this.resetElectionTimer(); // a split vote times out and tries again in a new term
    const req: RequestVote = { type: "RequestVote", term: this.term, candidateId: this.env.id, lastLogIndex: this.lastLogIndex(), lastLogTerm: this.lastLogTerm() };
    for (const p of this.env.peers) this.send(p, req);
    if (this.hasMajority(this.votes.size)) this.becomeLeader(); // a cluster of one
  }

  protected becomeLeader(): void {
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
  }

  /**
   * Figure 2, rules for all servers: a message with a higher term means this node is out of
   * date; adopt the term and become a follower. Returns whether the term was higher.
   */
  protected observeTerm(term: number): boolean {
    if (term <= this.term) return false;
    this.becomeFollower(term, null);
    return true;
  }

  // ------------------------------------------------------------------ RequestVote (section 5.2, 5.4.1)

  protected handleRequestVote(from: NodeId, m: RequestVote): void {
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
  protected isUpToDate(lastLogIndex: number, lastLogTerm: number): boolean {
    const myTerm = this.lastLogTerm();
    return lastLogTerm > myTerm || (lastLogTerm === myTerm && lastLogIndex >= this.lastLogIndex());
  }

  protected handleRequestVoteReply(from: NodeId, m: RequestVoteReply): void {
    if (this.observeTerm(m.term)) return;
    if (this.state !== "candidate" || m.term !== this.term || !m.voteGranted) return;
    this.votes.add(from);
    if (this.hasMajority(this.votes.size)) this.becomeLeader();
  }

  // ------------------------------------------------------------------ AppendEntries (section 5.3)

  protected handleAppendEntries(from: NodeId, m: AppendEntries): void {
    if (m.term < this.term) {
      this.send(from, this.appendReply(false, 0, 0, 0)); // a stale leader learns our term
      return;
    }
    // A current leader exists: candidates of this term give up (section 5.2).
    this.becomeFollower(m.term, m.leaderId);

    if (m.prevLogIndex > this.lastLogIndex()) {
      this.send(from, this.appendReply(false, 0, 0, this.lastLogIndex() + 1));
      return;
    }
    const prevTerm = this.termAt(m.prevLogIndex);
    if (prevTerm !== m.prevLogTerm) {
      let first = m.prevLogIndex;
      while (first > 1 && this.termAt(first - 1) === prevTerm) first--;
      this.send(from, this.appendReply(false, 0, prevTerm, first));
      return;
    }
    this.storeEntries(m.prevLogIndex, m.entries);
    const lastNew = m.prevLogIndex + m.entries.length;
    this.advanceFollowerCommit(m.leaderCommit, lastNew);
    this.send(from, this.appendReply(true, lastNew, 0, 0));
  }

  /**
   * Figure 2, AppendEntries receiver rules 3 and 4: delete an existing entry that conflicts
   * with a new one (same index, different term) and all that follow it; append entries not
   * already in the log. Entries that match stay: a delayed, shorter AppendEntries must not
   * cut off entries a newer one already added.
   */
  protected storeEntries(prevLogIndex: number, entries: readonly LogEntry[]): void {
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
  protected advanceFollowerCommit(leaderCommit: number, lastNewIndex: number): void {
    if (leaderCommit > this.commit) {
      this.commit = Math.max(this.commit, Math.min(leaderCommit, lastNewIndex));
      this.applyCommitted();
    }
  }

  protected handleAppendEntriesReply(from: NodeId, m: AppendEntriesReply): void {
    if (this.observeTerm(m.term)) return;
    if (this.state !== "leader" || m.term !== this.term) return;
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
  protected backUp(peer: NodeId, m: AppendEntriesReply): void {
    let next = m.conflictIndex;
    if (m.conflictTerm > 0) {
      for (let i = this.lastLogIndex(); i >= 1; i--) {
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
  protected advanceLeaderCommit(): void {
    for (let n = this.lastLogIndex(); n > this.commit; n--) {
      if (!this.canCommitByCounting(n)) break;
      let count = 1; // the leader itself
      for (const p of this.env.peers) if ((this.matchIndex.get(p) ?? 0) >= n) count++;
      if (this.hasMajority(count)) {
        this.commit = n;
        this.applyCommitted();
        return;
      }
    }
  }

  /** Only an entry of the leader's own term may be committed by counting replicas. */
  protected canCommitByCounting(index: number): boolean {
    return this.termAt(index) === this.term;
  }

  protected broadcastAppendEntries(): void {
    for (const p of this.env.peers) this.sendAppendEntries(p);
  }

  protected sendAppendEntries(peer: NodeId): void {
    const next = this.nextIndex.get(peer) ?? this.lastLogIndex() + 1;
    const prev = next - 1;
    const msg: AppendEntries = {
      type: "AppendEntries",
      term: this.term,
      leaderId: this.env.id,
      prevLogIndex: prev,
      prevLogTerm: this.termAt(prev),
      entries: this.entries.slice(prev, prev + MAX_ENTRIES_PER_MESSAGE),
      leaderCommit: this.commit,
    };
    this.send(peer, msg);
  }

  protected appendReply(success: boolean, matchIndex: number, conflictTerm: number, conflictIndex: number): AppendEntriesReply {
    return { type: "AppendEntriesReply", term: this.term, success, matchIndex, conflictTerm, conflictIndex };
  }

  // ------------------------------------------------------------------ applying and clients (section 8)

  /** Figure 2: while commitIndex > lastApplied, apply log[lastApplied + 1]; the leader answers its client. */
  protected applyCommitted(): void {
    while (this.applied < this.commit) {
      this.applied++;
      const cmd = (this.entries[this.applied - 1] as LogEntry).command;
      const result = this.machine.apply(cmd);
      const key = `${cmd.clientId}/${cmd.seq}`;
      const to = this.waiting.get(key);
      if (to !== undefined) {
        this.waiting.delete(key);
        this.send(to, { type: "ClientReply", clientId: cmd.clientId, seq: cmd.seq, status: "ok", result });
      }
    }
  }

  /**
   * Section 8: only the leader serves requests; reads go through the log like writes, so a
   * deposed leader that still believes it leads cannot answer from a stale state.
   */
  protected handleClientRequest(from: NodeId, m: ClientRequest): void {
    if (this.state !== "leader") {
      this.send(from, { type: "ClientReply", clientId: m.clientId, seq: m.seq, status: "redirect", leaderHint: this.leaderId });
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

  protected createStateMachine(): KvCounterStateMachine {
    return new KvCounterStateMachine();
  }

  // ------------------------------------------------------------------ log helpers

  protected lastLogTerm(): number {
    return this.termAt(this.entries.length);
  }

  /** Term of the entry at `index`; 0 for index 0 (the empty prefix). */

  // ------------------------------------------------------------------ persistence (Figure 2: "updated on stable storage before responding to RPCs")

  protected appendEntry(entry: LogEntry): void {
    this.entries.push(entry);
    this.env.disk.write(entryKey(this.entries.length), entry);
    this.env.disk.write(LOG_LENGTH, this.entries.length);
    this.dirty = true;
  }

  protected truncateFrom(index: number): void {
    for (let i = index; i <= this.entries.length; i++) this.env.disk.delete(entryKey(i));
    this.entries.length = index - 1;
    this.env.disk.write(LOG_LENGTH, this.entries.length);
    this.dirty = true;
  }

  protected saveMeta(): void {
    const meta: Meta = { term: this.term, votedFor: this.vote };
    this.env.disk.write(META, meta);
    this.dirty = true;
  }

  /** Make every durable change so far survive a crash. */
  protected flush(): void {
    if (!this.dirty) return;
    this.env.disk.sync();
    this.dirty = false;
  }

  /** Read currentTerm, votedFor and the log back after a restart. */
  protected recover(): void {
    const meta = this.env.disk.read<Meta>(META);
    this.term = meta?.term ?? 0;
    this.vote = meta?.votedFor ?? null;
    const n = this.env.disk.read<number>(LOG_LENGTH) ?? 0;
    this.entries = [];
    for (let i = 1; i <= n; i++) {
      const e = this.env.disk.read<LogEntry>(entryKey(i));
      if (e === undefined) throw new Error(`log entry ${i} of ${n} missing on disk`);
      this.entries.push(e);
    }
  }

  // ------------------------------------------------------------------ I/O

  /** Every message leaves through here: durable state is synced first (persist before reply). */
  protected send(to: NodeId, msg: RaftMessage): void {
    this.flush();
    this.env.send(to, msg);
  }

  protected resetElectionTimer(): void {
    this.cancelElectionTimer();
    this.electionTimer = this.env.setTimer(this.electionTimeout(), "election");
  }

  protected cancelElectionTimer(): void {
    if (this.electionTimer !== undefined) this.env.cancelTimer(this.electionTimer);
    this.electionTimer = undefined;
  }

  protected cancelHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) this.env.cancelTimer(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }
}
