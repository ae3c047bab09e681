/**
 * A Raft cluster under test: the simulation, the safety invariants checked after every step,
 * topology helpers that cut links between nodes while clients keep reaching every node, and
 * liveness helpers ("a leader within 1 s", "this command committed on all nodes").
 */
import type { ScenarioContext } from "@faultline/grading";
import { LivenessTimeout, type LinkFaults, type NodeId, type Simulation, type TraceEvent } from "@faultline/sim";
import type * as Raft from "@faultline/lab-raft";

export type RaftLab = typeof Raft;
export type RaftNode = InstanceType<RaftLab["RaftNode"]>;
export type Msg = Raft.RaftMessage;
export type Sim = Simulation<Msg, Raft.TimerTag>;
type Entry = Raft.LogEntry;

export interface ClusterOptions {
  nodes: number;
  /** Part F: stretch features handed to every node's constructor (none in parts A to D). */
  raft?: Raft.RaftOptions;
  clients?: number;
  faults?: Partial<LinkFaults>;
  clocks?: Record<NodeId, { offset?: number; drift?: number }>;
  maxEvents?: number;
}

/** What the grader knows about one node incarnation, to check that things only move forward. */
interface Seen {
  inst: RaftNode;
  role: Raft.Role;
  term: number;
  commit: number;
  applied: number;
  /**
   * With snapshots on: a leader's uncommitted entries as last seen (from index `from` + 1), so
   * entries it commits and compacts within one step are still known to the grader.
   */
  tail?: { from: number; entries: readonly Entry[] };
}

/** One committed log position, as first observed. */
interface Committed {
  term: number;
  key: string;
  /** Term of the node where this index was first seen committed (>= the term it was committed in). */
  seenInTerm: number;
  by: NodeId;
}

export function describeEntry(e: Entry | undefined): string {
  if (!e) return "nothing";
  const c = e.command;
  return c ? `{term ${e.term}, ${c.clientId}#${c.seq} ${describeOp(c.op)}}` : `{term ${e.term}, ${JSON.stringify(e)}}`;
}

export function describeOp(op: Raft.Operation): string {
  switch (op?.op) {
    case "get":
      return `get(${op.key})`;
    case "put":
      return `put(${op.key}, ${JSON.stringify(op.value)})`;
    case "append":
      return `append(${op.key}, ${JSON.stringify(op.value)})`;
    case "incr":
      return "incr";
    case "read":
      return "read";
    default:
      return JSON.stringify(op);
  }
}

/** Identity of an entry: its term and the command (client, seq, operation). */
export function entryKey(e: Entry | undefined): string {
  if (!e) return "";
  const c = e.command;
  return c ? `${e.term}|${c.clientId}|${c.seq}|${JSON.stringify(c.op)}` : `${e.term}|${JSON.stringify(e)}`;
}

const LOG_MATCHING_EVERY_MS = 250;
/** `{"type":"X","term":N` and, for AppendEntriesReply, `,"success":B` right after. */
const FAST_HEADER =
  /^\{"type":"(RequestVote|RequestVoteReply|AppendEntries|AppendEntriesReply)","term":(\d+)(?:,"success":(true|false))?[,}]/;

export class Cluster {
  readonly sim: Sim;
  readonly ids: readonly NodeId[];
  private readonly nodeSet: Set<NodeId>;
  /** Nodes cut off from the other nodes (clients still reach them), as partition groups. */
  private groups: NodeId[][] | undefined;
  /** Nodes cut off by disconnect(), each alone. */
  private cut = new Set<NodeId>();

  private readonly seen = new Map<NodeId, Seen>();
  private readonly maxTerm = new Map<NodeId, number>();
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** committed[i] is log index i + 1. */
  readonly committed: Committed[] = [];
  /** Counter value after applying committed entries 1..i (index i), deduplicated by (client, seq). */
  private readonly counterAfter: number[] = [0];
  private readonly appliedSeqs = new Map<string, number>();
  private pendingTermChecks: Array<{ node: NodeId; inst: RaftNode; msgTerm: number; before: number; type: string }> =
    [];
  private eventsThisStep = new Map<NodeId, number>();
  private lastLogMatching = 0;
  /** Highest matchIndex each node acknowledged to the leader of a term. */
  private readonly acked = new Map<NodeId, { term: number; match: number }>();
  /** Term of the last RequestVote each voter received from each candidate, by "candidate>voter". */
  private readonly voteAsked = new Map<string, number>();
  /** The first vote granted for a term other than the request's, as a failure message. */
  private voteRuleBroken: string | undefined;
  /** Rejected AppendEntries delivered, by the follower that rejected them. */
  readonly rejections = new Map<NodeId, number>();
  /** Highest term any node reached (for reports). */
  highestTerm = 0;
  /** Part F options the nodes run with. */
  readonly options: Raft.RaftOptions;

  constructor(
    readonly ctx: ScenarioContext<RaftLab>,
    opts: ClusterOptions,
  ) {
    const impl = ctx.impl;
    const raft = opts.raft;
    this.options = raft ?? {};
    this.sim = ctx.sim<Msg, Raft.TimerTag>({
      nodes: opts.nodes,
      clients: opts.clients ?? 0,
      factory: raft ? () => new impl.RaftNode(raft) : () => new impl.RaftNode(),
      ...(opts.faults ? { faults: opts.faults } : {}),
      ...(opts.clocks ? { clocks: opts.clocks } : {}),
      ...(opts.maxEvents ? { maxEvents: opts.maxEvents } : {}),
    });
    this.ids = this.sim.nodeIds;
    this.nodeSet = new Set(this.ids);
    this.sim.onEvent((e) => this.onEvent(e));
    this.sim.addInvariant("term rules", () => this.checkTermRules());
    this.sim.addInvariant("election safety", () => this.checkElectionSafety());
    this.sim.addInvariant("vote rule", () => this.voteRuleBroken);
    this.sim.addInvariant("commit safety", () => this.checkCommits());
    this.sim.addInvariant("log matching", () => this.checkLogMatchingPeriodically());
    this.sim.start(); // boot every node now, so scenarios can read them
  }

  // ------------------------------------------------------------------ reading nodes

  node(id: NodeId): RaftNode | undefined {
    return this.sim.node<RaftNode>(id);
  }

  /** Up and not paused. */
  running(id: NodeId): boolean {
    return this.sim.isUp(id) && !this.sim.isPaused(id);
  }

  /** Running nodes that believe they lead, as [id, term]. */
  leaders(among: readonly NodeId[] = this.ids): Array<[NodeId, number]> {
    const out: Array<[NodeId, number]> = [];
    for (const id of among) {
      const n = this.running(id) ? this.node(id) : undefined;
      if (n && n.role === "leader") out.push([id, n.currentTerm]);
    }
    return out;
  }

  /**
   * The one leader of `among` that every running node of `among` follows: a single leader whose
   * term is the highest term in the group. Undefined while elections are still going on.
   */
  stableLeader(among: readonly NodeId[] = this.ids): NodeId | undefined {
    let leader: NodeId | undefined;
    let leaderTerm = -1;
    let maxTerm = -1;
    for (const id of among) {
      if (!this.running(id)) continue;
      const n = this.node(id);
      if (!n) continue;
      maxTerm = Math.max(maxTerm, n.currentTerm);
      if (n.role === "leader") {
        if (leader !== undefined) return undefined;
        leader = id;
        leaderTerm = n.currentTerm;
      }
    }
    return leader !== undefined && leaderTerm === maxTerm ? leader : undefined;
  }

  async awaitLeader(among: readonly NodeId[] = this.ids, withinMs = 1_000, what?: string): Promise<NodeId> {
    const ok = await this.sim.runUntil(() => this.stableLeader(among) !== undefined, { maxMs: withinMs });
    if (!ok)
      throw new LivenessTimeout(
        `${what ?? `a leader is elected among ${among.join(", ")}`} (at the deadline: ${this.describeNodes()})`,
        withinMs,
        this.sim.now,
      );
    return this.stableLeader(among) as NodeId;
  }

  term(id: NodeId): number {
    return this.node(id)?.currentTerm ?? -1;
  }

  /**
   * The identity (entryKey) of what `n` holds at log index `index`: from its log, or, for an
   * index its snapshot replaced, the committed entry the grader recorded there ("" if none).
   */
  keyAt(n: RaftNode, index: number): string {
    const base = snapshotIndexOf(n);
    if (index > base) return entryKey(n.log[index - base - 1]);
    return index >= 1 ? (this.committed[index - 1]?.key ?? "") : "";
  }

  /** How many running nodes of `among` have `key` committed at `index`. */
  committedOn(index: number, key: string, among: readonly NodeId[] = this.ids): number {
    let k = 0;
    for (const id of among) {
      const n = this.running(id) ? this.node(id) : undefined;
      if (n && n.commitIndex >= index && this.keyAt(n, index) === key) k++;
    }
    return k;
  }

  /** How many running nodes of `among` store `key` at `index` (in the log or in the snapshot). */
  storedOn(index: number, key: string, among: readonly NodeId[] = this.ids): number {
    let k = 0;
    for (const id of among) {
      const n = this.running(id) ? this.node(id) : undefined;
      if (n && this.keyAt(n, index) === key) k++;
    }
    return k;
  }

  /** Highest commit index among running nodes. */
  maxCommit(): number {
    let c = 0;
    for (const id of this.ids) {
      const n = this.running(id) ? this.node(id) : undefined;
      if (n) c = Math.max(c, n.commitIndex);
    }
    return c;
  }

  // ------------------------------------------------------------------ topology (clients always reach every node)

  /** Split the nodes into groups that cannot talk to each other; clients keep every link. */
  partition(...groups: NodeId[][]): void {
    this.cut.clear();
    const all = new Set(groups.flat());
    const rest = this.ids.filter((id) => !all.has(id));
    const full = rest.length > 0 ? [...groups, rest] : groups;
    this.groups = full;
    this.sim.partition(...full);
  }

  /** Cut `id` off from every other node. */
  disconnect(...ids: NodeId[]): void {
    for (const id of ids) this.cut.add(id);
    this.applyIsolation();
  }

  /** Give `id` back its links to the connected nodes. */
  connect(...ids: NodeId[]): void {
    for (const id of ids) this.cut.delete(id);
    this.applyIsolation();
  }

  healNetwork(): void {
    this.groups = undefined;
    this.cut.clear();
    this.sim.heal();
  }

  /** Nodes that can currently reach a majority, by the grader's own topology. */
  connected(): NodeId[] {
    if (!this.groups) return [...this.ids];
    const big = this.groups.find((g) => g.length * 2 > this.ids.length);
    return big ? [...big] : [];
  }

  private applyIsolation(): void {
    if (this.cut.size === 0) return this.healNetwork();
    const rest = this.ids.filter((id) => !this.cut.has(id));
    const groups = [...this.cut].map((id) => [id]);
    if (rest.length) groups.push(rest);
    this.groups = groups;
    this.sim.partition(...groups);
  }

  crash(id: NodeId): void {
    if (this.sim.isUp(id)) this.sim.crash(id);
  }

  restart(id: NodeId): void {
    if (!this.sim.isUp(id)) this.sim.restart(id);
  }

  // ------------------------------------------------------------------ invariants

  private onEvent(e: TraceEvent): void {
    if (e.kind === "send") {
      if (e.payload !== undefined && this.nodeSet.has(e.node) && e.payload.includes('"AppendEntriesReply"'))
        this.noteAck(e.node, e.payload);
      else if (e.payload !== undefined && this.nodeSet.has(e.node) && e.payload.includes('"RequestVoteReply"'))
        this.noteVoteReply(e.node, e.peer, e.payload);
      return;
    }
    if (e.kind !== "deliver" && e.kind !== "timer" && e.kind !== "start") return;
    if (!this.nodeSet.has(e.node)) return; // a client
    const inst = this.sim.node<RaftNode>(e.node);
    if (!inst) return;
    this.eventsThisStep.set(e.node, (this.eventsThisStep.get(e.node) ?? 0) + 1);
    if (e.kind !== "deliver" || e.payload === undefined) return;
    let m: { type?: unknown; term?: unknown; success?: unknown };
    const fast = FAST_HEADER.exec(e.payload); // messages built in Figure 2 order: skip parsing the entries
    if (fast && !(fast[1] === "AppendEntriesReply" && fast[3] === undefined))
      m = { type: fast[1], term: Number(fast[2]), success: fast[3] === undefined ? undefined : fast[3] === "true" };
    else {
      try {
        m = JSON.parse(e.payload) as { type?: unknown; term?: unknown; success?: unknown };
      } catch {
        return;
      }
    }
    if (m.type === "RequestVote" && typeof m.term === "number" && e.peer !== undefined)
      this.voteAsked.set(`${e.peer}>${e.node}`, m.term);
    if (m.type === "AppendEntriesReply" && m.success === false && e.peer !== undefined) {
      this.rejections.set(e.peer, (this.rejections.get(e.peer) ?? 0) + 1);
    }
    if (typeof m.term === "number") {
      this.pendingTermChecks.push({
        node: e.node,
        inst,
        msgTerm: m.term,
        before: inst.currentTerm,
        type: String(m.type),
      });
    }
  }

  /** A follower's successful AppendEntriesReply: it now stores the leader's entries up to matchIndex. */
  private noteAck(node: NodeId, payload: string): void {
    let m: { type?: unknown; term?: unknown; success?: unknown; matchIndex?: unknown };
    try {
      m = JSON.parse(payload) as typeof m;
    } catch {
      return;
    }
    if (
      m.type !== "AppendEntriesReply" ||
      m.success !== true ||
      typeof m.term !== "number" ||
      typeof m.matchIndex !== "number"
    )
      return;
    const a = this.acked.get(node);
    if (!a || a.term !== m.term || a.match < m.matchIndex)
      this.acked.set(node, { term: m.term, match: Math.max(m.matchIndex, a && a.term === m.term ? a.match : 0) });
  }

  /**
   * Figure 2, RequestVote receiver rule 1 ("reply false if term < currentTerm"), seen on the
   * wire: a voter grants its vote only in the term the candidate asked for. The reply is sent
   * while the RequestVote is handled, so it answers the last one delivered from that candidate.
   */
  private noteVoteReply(voter: NodeId, candidate: NodeId | undefined, payload: string): void {
    if (this.voteRuleBroken !== undefined || candidate === undefined) return;
    let m: { term?: unknown; voteGranted?: unknown };
    try {
      m = JSON.parse(payload) as typeof m;
    } catch {
      return;
    }
    if (m.voteGranted !== true || typeof m.term !== "number") return;
    const asked = this.voteAsked.get(`${candidate}>${voter}`);
    if (asked === m.term) return;
    this.voteRuleBroken =
      asked === undefined
        ? `${voter} granted its vote in term ${m.term} to ${candidate}, which had not asked it for a vote`
        : `${voter} granted its vote in term ${m.term} to ${candidate}, whose RequestVote was of term ${asked}: a RequestVote of an earlier term is refused (Figure 2, RequestVote rule 1: reply false if term < currentTerm), otherwise the voter spends its vote of this term on a node that is not a candidate in it`;
  }

  /** Figure 2, rules for all servers: a higher term in any RPC makes a node adopt it and become follower. */
  private checkTermRules(): string | undefined {
    const checks = this.pendingTermChecks;
    const counts = this.eventsThisStep;
    this.pendingTermChecks = [];
    this.eventsThisStep = new Map();
    for (const c of checks) {
      if (this.sim.node(c.node) !== c.inst || c.msgTerm <= c.before) continue;
      // Leader stickiness (CheckQuorum): a node that heard from a live leader ignores RequestVote.
      if (c.type === "RequestVote" && this.options.checkQuorum) continue;
      const n = c.inst;
      if (n.currentTerm < c.msgTerm) {
        return `${c.node} (term ${c.before}) received ${c.type} of term ${c.msgTerm} but stayed in term ${n.currentTerm}: a higher term in any message must be adopted at once`;
      }
      if (counts.get(c.node) === 1 && n.role !== "follower") {
        return `${c.node} was a ${c.before === n.currentTerm ? n.role : "node"} in term ${c.before}, received ${c.type} of term ${c.msgTerm} and is still a ${n.role}: on a higher term, leaders and candidates step down to follower (Figure 2, rules for all servers)`;
      }
    }
    return undefined;
  }

  /** "n1 leader t3, n2 follower t3, n3 down" for failure messages. */
  describeNodes(): string {
    return this.ids
      .map((id) => {
        const n = this.sim.isUp(id) ? this.node(id) : undefined;
        if (!n) return `${id} down`;
        return `${id} ${n.role} t${n.currentTerm}${this.sim.isPaused(id) ? " (paused)" : ""}`;
      })
      .join(", ");
  }

  private checkElectionSafety(): string | undefined {
    for (const id of this.ids) {
      const n = this.sim.isUp(id) ? this.node(id) : undefined;
      if (!n) continue;
      const term = n.currentTerm;
      const prevMax = this.maxTerm.get(id) ?? 0;
      if (term < prevMax) {
        const restarted = this.seen.get(id)?.inst !== n;
        return restarted
          ? `${id} restarted in term ${term} but had reached term ${prevMax} before: currentTerm must be on disk (synced) before it is used`
          : `${id}'s term went back from ${prevMax} to ${term}: terms never decrease`;
      }
      if (term > prevMax) this.maxTerm.set(id, term);
      if (term > this.highestTerm) this.highestTerm = term;
      if (n.role === "leader") {
        const other = this.leaderOfTerm.get(term);
        if (other === undefined) this.leaderOfTerm.set(term, id);
        else if (other !== id) return `two leaders in term ${term}: ${other} and ${id}`;
      }
    }
    return undefined;
  }

  /**
   * Commit and apply rules, incrementally: committed entries agree across nodes (state machine
   * safety), commit and applied indexes only grow, committed entries are never removed, a new
   * leader holds every entry committed in an earlier term (leader completeness), a leader
   * commits by counting only entries of its own term (Figure 8), and the service's counter
   * equals what the applied entries add up to (each request applied once).
   */
  private checkCommits(): string | undefined {
    for (const id of this.ids) {
      const n = this.sim.isUp(id) ? this.node(id) : undefined;
      if (!n) continue;
      const prev = this.seen.get(id);
      const same = prev !== undefined && prev.inst === n;
      const log = n.log;
      const base = n.snapshotIndex ?? 0;
      const last = base + log.length;
      const commit = n.commitIndex;
      const applied = n.lastApplied;
      const role = n.role;
      const term = n.currentTerm;
      const prevCommit = same ? prev.commit : 0;
      const prevApplied = same ? prev.applied : 0;

      if (commit < prevCommit)
        return `${id}'s commit index went back from ${prevCommit} to ${commit} (term ${term}): commitIndex never decreases`;
      if (applied < prevApplied)
        return `${id}'s last applied index went back from ${prevApplied} to ${applied}: entries are applied once, in order`;
      if (commit > last)
        return `${id} has commit index ${commit} but only ${last} log entries: committed entries were removed (a follower deletes only entries that conflict with new ones, never a matching suffix)`;
      if (applied > commit)
        return `${id} applied up to index ${applied} but has only committed up to ${commit}: apply only committed entries`;
      if (base > 0 && log.length > 0 && (log[0] as Entry).term < (n.snapshotTerm ?? 0)) {
        return `${id}'s snapshot ends with an entry of term ${n.snapshotTerm} at index ${base}, but its log goes on with an entry of term ${(log[0] as Entry).term}: terms never decrease along a log, so those entries conflict with the snapshot; keep the entries after a snapshot only if the log holds its last entry with the same term (Figure 13, rule 6)`;
      }
      if (base > applied)
        return `${id}'s snapshot replaces the log up to index ${base}, but it has applied only up to ${applied}: a snapshot holds the state machine, so it may cover only applied (hence committed) entries (section 7)`;

      // Within one term the leader's log only grows, so a follower never loses what it acknowledged.
      const ack = this.acked.get(id);
      if (ack && ack.term === term && last < ack.match) {
        return `${id} acknowledged entries up to index ${ack.match} to the leader of term ${term} and now holds only ${last}: a follower deletes entries only when they conflict with new ones, so a delayed or duplicated AppendEntries must never shorten its log`;
      }

      // Leader completeness, checked when a node becomes leader.
      const newLeader = role === "leader" && !(same && prev.role === "leader" && prev.term === term);
      if (newLeader) {
        for (let i = 0; i < this.committed.length; i++) {
          const c = this.committed[i] as Committed;
          if (c.seenInTerm >= term || i < base) continue; // a snapshot holds only committed entries
          const mine = entryAt(log, base, i + 1);
          if (entryKey(mine) !== c.key) {
            return `${id} became leader of term ${term} without committed entry ${i + 1} (committed by term ${c.seenInTerm}, seen on ${c.by}; ${id} has ${describeEntry(mine)}): a candidate must not win with a log less up-to-date than a voter's (section 5.4.1)`;
          }
        }
      }

      // Figure 8: a leader advances commitIndex only to an entry of its own term.
      if (same && role === "leader" && prev.role === "leader" && prev.term === term && commit > prevCommit) {
        const e = entryAt(log, base, commit);
        if (e && e.term !== term) {
          return `${id}, leader of term ${term}, advanced its commit index to ${commit}, an entry of term ${e.term}: a leader commits by counting replicas only entries of its own term; older ones are committed with them (section 5.4.2, Figure 8)`;
        }
      }

      // Committed entries agree everywhere and stay in the log.
      const from = same ? Math.min(prevCommit, commit) : 0;
      if (same && prevCommit > base && prevCommit <= commit) {
        const c = this.committed[prevCommit - 1];
        if (c && entryKey(entryAt(log, base, prevCommit)) !== c.key) {
          return `${id} replaced committed entry ${prevCommit} (now ${describeEntry(entryAt(log, base, prevCommit))}): a follower deletes only entries that conflict with the leader's, and committed entries never do`;
        }
      }
      // A leader of the same term only appended since the last step, so its last tail is still true.
      const tail = same && prev.role === "leader" && prev.term === term ? prev.tail : undefined;
      for (let i = from + 1; i <= commit; i++) {
        const c = this.committed[i - 1];
        const e =
          i > base
            ? (entryAt(log, base, i) as Entry)
            : tail && i > tail.from
              ? tail.entries[i - tail.from - 1]
              : undefined;
        if (e === undefined) {
          // Inside the snapshot: its entries were checked when first committed; unknown ones wait for another node.
          if (c === undefined) break;
          continue;
        }
        const key = entryKey(e);
        if (c === undefined) {
          if (i - 1 !== this.committed.length) break;
          this.committed.push({ term: e.term, key, seenInTerm: term, by: id });
        } else if (c.key !== key) {
          return `state machine safety: ${id} committed ${describeEntry(e)} at index ${i}, but ${c.by} committed a different entry there (term ${c.term}): two nodes would apply different commands at one index`;
        }
      }

      // What the service applied: the counter after applying 1..applied, each request once.
      if (applied > prevApplied || (!same && applied > 0)) {
        const sm = n.stateMachine as Raft.KvCounterStateMachine | undefined;
        if (sm && typeof sm.counter === "number") {
          const expected = this.expectedCounter(applied);
          if (expected !== undefined && sm.counter !== expected) {
            return `${id}'s counter is ${sm.counter} after applying entries 1..${applied}, but those entries add up to ${expected}: apply every committed entry once, and a (clientId, seq) seen before returns its first result without running again (section 8)`;
          }
        }
      }

      const seen: Seen = { inst: n, role, term, commit, applied };
      if (this.options.snapshotThreshold !== undefined && role === "leader")
        seen.tail = { from: Math.max(commit, base), entries: log.slice(Math.max(commit, base) - base) };
      this.seen.set(id, seen);
    }
    return undefined;
  }

  /** Counter after applying committed entries 1..index once each; undefined if not all committed yet. */
  private expectedCounter(index: number): number | undefined {
    while (this.counterAfter.length <= index) {
      const i = this.counterAfter.length; // log index to apply
      const c = this.committed[i - 1];
      if (!c) return undefined;
      const prev = this.counterAfter[i - 1] as number;
      const parts = c.key.split("|");
      const client = parts[1] as string;
      const seq = Number(parts[2]);
      const isIncr = parts.slice(3).join("|") === '{"op":"incr"}';
      const last = this.appliedSeqs.get(client) ?? 0;
      if (seq > last) {
        this.appliedSeqs.set(client, seq);
        this.counterAfter.push(prev + (isIncr ? 1 : 0));
      } else this.counterAfter.push(prev);
    }
    return this.counterAfter[index];
  }

  private checkLogMatchingPeriodically(): string | undefined {
    if (this.sim.now - this.lastLogMatching < LOG_MATCHING_EVERY_MS) return undefined;
    this.lastLogMatching = this.sim.now;
    return this.logMatching();
  }

  /**
   * Log matching (section 5.3): if two logs contain an entry with the same index and term, the
   * logs are identical in all entries up through that index.
   */
  logMatching(): string | undefined {
    const nodes = this.ids
      .map((id) => [id, this.sim.isUp(id) ? this.node(id) : undefined] as const)
      .filter((x): x is readonly [NodeId, RaftNode] => x[1] !== undefined);
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) {
        const [ia, na] = nodes[a] as readonly [NodeId, RaftNode];
        const [ib, nb] = nodes[b] as readonly [NodeId, RaftNode];
        // Compare only where both still hold entries (a snapshot replaced the ones before).
        const baseA = snapshotIndexOf(na);
        const baseB = snapshotIndexOf(nb);
        const ea = (k: number) => na.log[k - baseA - 1];
        const eb = (k: number) => nb.log[k - baseB - 1];
        const start = Math.max(baseA, baseB);
        let i = Math.min(baseA + na.log.length, baseB + nb.log.length);
        while (i > start && ea(i)?.term !== eb(i)?.term) i--;
        const floor = Math.max(start, Math.min(na.commitIndex, nb.commitIndex));
        for (let j = i; j > floor; j--) {
          if (entryKey(ea(j)) !== entryKey(eb(j))) {
            return `log matching: ${ia} and ${ib} both have an entry of term ${ea(i)?.term} at index ${i}, but differ at index ${j} (${describeEntry(ea(j))} vs ${describeEntry(eb(j))})`;
          }
        }
      }
    }
    return undefined;
  }

  /** End-of-run checks that are too costly for every step. */
  finalChecks(): void {
    const r = this.logMatching();
    if (r) this.ctx.fail("log matching", r);
  }

  // ------------------------------------------------------------------ counting messages

  /** Messages of `type` sent so far (by every node, or by `from`). */
  sent(type: string, from?: NodeId): number {
    if (from !== undefined) return this.sim.stats.sentByType.get(`${from}:${type}`) ?? 0;
    let k = 0;
    for (const id of this.ids) k += this.sim.stats.sentByType.get(`${id}:${type}`) ?? 0;
    return k;
  }
}

/** The entry at log index `index` of a log that starts after `base`; undefined inside the snapshot or past the end. */
function entryAt(log: readonly Entry[], base: number, index: number): Entry | undefined {
  return index > base ? log[index - base - 1] : undefined;
}

/** Index of the last entry a node's snapshot replaced (0 without snapshots). */
export function snapshotIndexOf(n: RaftNode): number {
  return n.snapshotIndex ?? 0;
}

/** The last index a node's log reaches, counting the entries its snapshot replaced. */
export function lastIndexOf(n: RaftNode): number {
  return snapshotIndexOf(n) + n.log.length;
}

/**
 * Run async client code inside the simulation until it finishes; a run that does not finish
 * within `maxMs` of virtual time is a liveness failure naming `what`.
 */
export async function drive<T>(cluster: Cluster, what: string, fn: () => Promise<T>, maxMs: number): Promise<T> {
  let done = false;
  let value: T | undefined;
  void cluster.sim.spawn(what, async () => {
    value = await fn();
    done = true;
  });
  await cluster.sim.require(() => done, what, maxMs);
  return value as T;
}
