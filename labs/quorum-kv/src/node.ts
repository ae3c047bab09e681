/**
 * The quorum-kv node: one class plays two roles. Fill in every `// TODO`, part by part.
 *
 * - Replica: stores versions of the keys it owns (durably, synced before it answers), answers
 *   `read` with what it holds and merges `store` into it; as a fallback it keeps hints.
 * - Coordinator: any node a client talks to runs the client's request as one or two quorum
 *   phases. A phase sends the same message to the key's replicas, re-sends to those that are
 *   silent, and is complete when enough distinct replicas answered (W for a store, R for a
 *   read). Replies that arrive after that drive read repair.
 *
 * All I/O goes through `env`; all durable state lives in `env.disk`.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
import {
  DEFAULT_CONFIG,
  type ClientReply,
  type ClientRequest,
  type Config,
  type Context,
  type Hint,
  type Msg,
  type Order,
  type Stamp,
  type StoreReason,
  type Timer,
  type Version,
  type VersionVector,
} from "./types.ts";
import { compareStamps, compareVectors, mergeVectors, versionId } from "./versions.ts";
import { preferenceList } from "./ring.ts";

/** One quorum round of a request: a read or a store sent to the key's replicas. */
export interface Phase {
  rid: string;
  kind: "read" | "store";
  key: string;
  /** What a store phase writes. */
  versions: Version[];
  reason: StoreReason;
  /** Distinct replies that complete the phase (R or W). */
  need: number;
  /** Current targets: node -> { the replica it stands in for (sloppy), sends so far }. */
  targets: Map<NodeId, { hintFor?: NodeId; sends: number }>;
  /** Every node ever targeted, so a fallback is never picked twice. */
  used: Set<NodeId>;
  /** Replies by node (a store's reply carries no versions). */
  replies: Map<NodeId, Version[]>;
  /** The quorum was reached. */
  done: boolean;
  /** Local time after which the phase is abandoned. */
  deadline: number;
  onQuorum(): void;
  onTimeout(): void;
  /** A reply after the quorum (read repair uses it). */
  onLate?(from: NodeId, versions: Version[]): void;
}

const storeKey = (key: string) => `k:${key}`;
const hintKey = (forNode: NodeId, key: string) => `h:${JSON.stringify([forNode, key])}`;

export class KvNode implements Node<Msg, Timer> {
  readonly config: Config;
  protected env!: Env<Msg, Timer>;
  /** Replica state: key -> versions (a mirror of the disk). */
  protected store = new Map<string, Version[]>();
  /** Fallback state: hint key -> hint (a mirror of the disk). */
  protected hinted = new Map<string, Hint>();
  /** Lamport clock: the highest stamp time this node issued or saw. */
  protected clock = 0;
  /** This node's entry for version vectors (durable, never reused). */
  protected counter = 0;
  protected phases = new Map<string, Phase>();
  /** Handoffs in flight: request id -> hint key and the version ids sent. */
  protected handoffs = new Map<string, { hid: string; ids: string[] }>();
  protected boot = "";
  protected seq = 0;

  constructor(config: Partial<Config> = {}) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    const { n, w, r } = this.config;
    if (!(w >= 1 && w <= n && r >= 1 && r <= n)) throw new RangeError(`need 1 <= W, R <= N; got N=${n} W=${w} R=${r}`);
  }

  // ---------------------------------------------------------------- the node contract

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    if (this.config.n > env.peers.length + 1) throw new RangeError(`N=${this.config.n} but the cluster has ${env.peers.length + 1} nodes`);
    for (const k of env.disk.keys()) {
      if (k.startsWith("k:")) {
        const versions = env.disk.read<Version[]>(k) ?? [];
        this.store.set(k.slice(2), versions);
        for (const v of versions) this.observe(v.stamp);
      } else if (k.startsWith("h:")) {
        const h = env.disk.read<Hint>(k);
        if (h) this.hinted.set(k, h);
      }
    }
    this.counter = env.disk.read<number>("vv-counter") ?? 0;
    this.boot = Math.floor(env.random() * 36 ** 6).toString(36);
    if (this.config.sloppy) env.setTimer(this.config.handoffMs, "handoff");
  }

  onMessage(from: NodeId, msg: Msg): void {
    switch (msg.type) {
      case "get":
      case "put":
      case "delete":
        return this.onClientRequest(from, msg);
      case "read":
        return this.onRead(from, msg.rid, msg.key);
      case "store":
        return this.onStore(from, msg.rid, msg.key, msg.versions, msg.reason, msg.hintFor);
      case "readReply":
        return this.onReply(from, msg.rid, msg.versions);
      case "stored":
        if (this.handoffs.has(msg.rid)) return this.onHandoffAck(msg.rid);
        return this.onReply(from, msg.rid, []);
      default:
        return; // client replies are not for nodes
    }
  }

  onTimer(tag: Timer): void {
    if (tag === "handoff") {
      this.handOff();
      this.env.setTimer(this.config.handoffMs, "handoff");
    } else if (tag.startsWith("retry:")) {
      this.onRetry(tag.slice("retry:".length));
    }
  }

  // ---------------------------------------------------------------- introspection (read-only)

  /** The versions this replica stores for `key` (tombstones included), as copies. */
  versions(key: string): Version[] {
    return structuredClone(this.store.get(key) ?? []);
  }

  /** Keys this replica stores versions of. */
  storedKeys(): string[] {
    return [...this.store.keys()].sort();
  }

  /** Hints this node holds for other replicas (sloppy quorum), as copies. */
  hints(): Hint[] {
    return structuredClone([...this.hinted.values()]);
  }

  // ---------------------------------------------------------------- versions

  /** Total order of stamps (lww, abd). */
  compareStamps(a: Stamp, b: Stamp): number {
    return compareStamps(a, b);
  }

  /** Partial order of version vectors (vv). */
  compareVectors(a: VersionVector, b: VersionVector): Order {
    return compareVectors(a, b);
  }

  /** Lamport's receive rule: never issue a stamp at or below one already seen. */
  protected observe(stamp: Stamp): void {
    if (stamp.t > this.clock) this.clock = stamp.t;
  }

  /**
   * A stamp for a new write: above this node's clock reading, above everything it has seen
   * (Lamport clock) and above the stamp in the client's context, so a read-modify-write always
   * supersedes what it read.
   */
  newStamp(context: Context | undefined): Stamp {
    // TODO (Part A): t = max(floor(env.now()), this.clock + 1, (context?.stamp?.t ?? 0) + 1); remember it in this.clock; return { t, node: env.id }.
    throw new NotImplemented("KvNode.newStamp");
  }

  /**
   * A vector for a new write (Dynamo §4.4): the context's vector plus one new entry for this
   * write, named "<node>.<counter>" with a counter this node never reuses (kept on disk).
   *
   * Why not bump a single entry per node, as in the paper? Two clients that read the same
   * version and write through the same coordinator would get {n2: 5} and {n2: 6}: the second
   * looks newer although it never saw the first, and the first is silently dropped. One entry
   * per coordinated write keeps them concurrent (dotted version vectors solve the same problem
   * with less space).
   */
  newVector(context: Context | undefined): VersionVector {
    // TODO (Part C): bump this.counter, persist it (disk.write + sync), and return the context's vv merged with one new entry `${env.id}.${counter}`: 1.
    throw new NotImplemented("KvNode.newVector");
  }

  /**
   * The versions worth keeping out of `versions`: the single newest (lww, abd), or every
   * version no other one dominates (vv: the siblings). Sorted and without duplicates.
   */
  reconcile(versions: readonly Version[]): Version[] {
    // TODO (Parts A and C): drop duplicates (same versionId); lww/abd: keep only the version with the highest stamp; vv: keep every version that no other version's vector is strictly 'after'. Sort by versionId so every node returns the same order.
    throw new NotImplemented("KvNode.reconcile");
  }

  /** The context a client hands back with its next put: what it has now seen. */
  protected contextOf(versions: readonly Version[]): Context {
    let stamp: Stamp | null = null;
    let vv: VersionVector = {};
    for (const v of versions) {
      if (!stamp || this.compareStamps(v.stamp, stamp) > 0) stamp = v.stamp;
      vv = mergeVectors(vv, v.vv);
    }
    return { stamp, vv };
  }

  // ---------------------------------------------------------------- replica role

  /** Merge `incoming` into this replica's copy of `key`, durably. Returns what is stored now. */
  storeVersions(key: string, incoming: readonly Version[], _reason: StoreReason): Version[] {
    // TODO (Part A): merge incoming with what this replica holds using reconcile(); if it changed, update this.store, env.disk.write(`k:${key}`, ...) and env.disk.sync() before anyone is told.
    throw new NotImplemented("KvNode.storeVersions");
  }

  protected onRead(from: NodeId, rid: string, key: string): void {
    // TODO (Part A): answer { type: 'readReply', rid, key, versions } with the reconciled versions you hold for key (part D: include hinted versions of that key).
    throw new NotImplemented("KvNode.onRead");
  }

  protected onStore(from: NodeId, rid: string, key: string, versions: Version[], reason: StoreReason, hintFor: NodeId | undefined): void {
    // TODO (Parts A and D): observe every stamp (Lamport), then keep the versions: as a hint when hintFor names another node (part D), else with storeVersions(). Then acknowledge: { type: 'stored', rid, key }.
    throw new NotImplemented("KvNode.onStore");
  }

  // ---------------------------------------------------------------- hinted handoff (§4.6)

  protected addHint(forNode: NodeId, key: string, versions: readonly Version[]): void {
    // TODO (Part D): merge versions into the hint for (forNode, key), keep it in this.hinted and on disk (write + sync).
    throw new NotImplemented("KvNode.addHint");
  }

  /** Offer every hint to the replica it belongs to; a hint stays until that replica acknowledges. */
  protected handOff(): void {
    // TODO (Part D): for every hint send a store (reason 'handoff') to hint.for with a fresh rid, and remember in this.handoffs which hint and which version ids that rid carried. Do not delete anything yet.
    throw new NotImplemented("KvNode.handOff");
  }

  protected onHandoffAck(rid: string): void {
    // TODO (Part D): the replica acknowledged: delete the hint (memory and disk, sync) unless versions were added to it after that handoff left.
    throw new NotImplemented("KvNode.onHandoffAck");
  }

  // ---------------------------------------------------------------- coordinator role

  /** Replies a phase needs: R for reads, W for stores. */
  quorumFor(kind: "read" | "store"): number {
    return kind === "read" ? this.config.r : this.config.w;
  }

  protected onClientRequest(client: NodeId, req: ClientRequest): void {
    const reply = (m: ClientReply) => this.env.send(client, m);
    const fail = (error: string) => reply({ type: "fail", id: req.id, key: req.key, error });
    if (req.type === "get") {
      this.coordinateGet(req.key, (versions) => {
        const live = versions.filter((v) => v.value !== null).map((v) => v.value as string).sort();
        reply({ type: "getOk", id: req.id, key: req.key, values: live, context: this.contextOf(versions) });
      }, fail);
      return;
    }
    const value = req.type === "put" ? req.value : null;
    this.coordinateWrite(req.key, value, req.context, (written) => {
      const context = this.contextOf([written]);
      reply(req.type === "put" ? { type: "putOk", id: req.id, key: req.key, context } : { type: "deleteOk", id: req.id, key: req.key, context });
    }, fail);
  }

  /** A put (value) or delete (null): make the new version, then store it on W replicas. */
  protected coordinateWrite(key: string, value: string | null, context: Context | undefined, done: (v: Version) => void, fail: (e: string) => void): void {
    // TODO (Parts A, B and C): build the version (value, newStamp(context), vv mode: newVector(context)), then runPhase('store', ...) and call done(version) at quorum, fail(...) on timeout. abd mode (part B): first runPhase('read', ...) to learn the highest stamp of a read quorum and stamp above it.
    throw new NotImplemented("KvNode.coordinateWrite");
  }

  /** A get: read R replicas and return the reconciled versions (ABD: after writing them back). */
  protected coordinateGet(key: string, done: (versions: Version[]) => void, fail: (e: string) => void): void {
    // TODO (Parts A and B): runPhase('read', ...); at quorum reconcile all replies and answer with done(result). Part B: read repair stale repliers (and late ones, via phase.onLate); abd mode: writeBack() before done.
    throw new NotImplemented("KvNode.coordinateGet");
  }

  /** ABD's second read phase: make the value about to be returned durable on W replicas. */
  protected writeBack(key: string, result: Version[], done: () => void, fail: (e: string) => void): void {
    // TODO (Part B): ABD: store the result on W replicas (runPhase 'store', reason 'writeback') and only then call done(). Nothing to write back when result is empty.
    throw new NotImplemented("KvNode.writeBack");
  }

  /** Read repair: send `result` to a replica whose reply lacked part of it. */
  protected repairIfStale(key: string, node: NodeId, replied: readonly Version[], result: readonly Version[]): void {
    // TODO (Part B): if reconcile(replied + result) differs from what the replica replied, send it a store of result with reason 'repair' (no need to wait for the ack).
    throw new NotImplemented("KvNode.repairIfStale");
  }

  // ---------------------------------------------------------------- quorum phases

  /** Send a read or store to the key's N replicas; call `onQuorum` once enough answered. */
  protected runPhase(kind: "read" | "store", key: string, versions: Version[], reason: StoreReason, onQuorum: () => void, onTimeout: () => void): Phase {
    // TODO (Part A): create the Phase (targets: replicasOf(key), need: quorumFor(kind), deadline: now + requestTimeoutMs), register it in this.phases, sendPhase() to every target and set a `retry:${rid}` timer.
    throw new NotImplemented("KvNode.runPhase");
  }

  /** The key's N preferred replicas (Dynamo §4.2). */
  replicasOf(key: string): NodeId[] {
    // TODO (Part A): the first N nodes of preferenceList(key, all nodes).
    throw new NotImplemented("KvNode.replicasOf");
  }

  protected sendPhase(phase: Phase, node: NodeId): void {
    const target = phase.targets.get(node);
    if (!target) return;
    target.sends++;
    if (phase.kind === "read") this.env.send(node, { type: "read", rid: phase.rid, key: phase.key });
    else {
      const msg: Msg = { type: "store", rid: phase.rid, key: phase.key, versions: phase.versions, reason: phase.reason };
      if (target.hintFor !== undefined) msg.hintFor = target.hintFor;
      this.env.send(node, msg);
    }
  }

  protected onReply(from: NodeId, rid: string, versions: Version[]): void {
    // TODO (Part A): ignore unknown rids, non-targets and second replies from the same node; observe stamps; record the reply; when replies reach phase.need call onQuorum() once; later replies go to onLate. Forget the phase when every target replied.
    throw new NotImplemented("KvNode.onReply");
  }

  /** Re-send to silent targets; in a sloppy quorum, replace a silent one with a fallback (§4.6). */
  protected onRetry(rid: string): void {
    // TODO (Parts A and D): past the deadline: forget the phase and call onTimeout() if the quorum was not reached. Otherwise re-send to silent targets (part D, sloppy: after fallbackAfter sends, replace the target by nextFallback() with hintFor) and set the timer again.
    throw new NotImplemented("KvNode.onRetry");
  }

  /** The first node after the N preferred ones that this phase has not used yet. */
  nextFallback(phase: Phase): NodeId | undefined {
    // TODO (Part D): the first node after the first N of the key's preference list that this phase has not used.
    throw new NotImplemented("KvNode.nextFallback");
  }

  // ---------------------------------------------------------------- helpers

  protected nextRid(prefix: string): string {
    return `${prefix}:${this.env.id}:${this.boot}:${++this.seq}`;
  }

  protected sameVersions(a: readonly Version[], b: readonly Version[]): boolean {
    const byVector = this.config.mode === "vv";
    if (a.length !== b.length) return false;
    const ids = new Set(a.map((v) => versionId(v, byVector)));
    return b.every((v) => ids.has(versionId(v, byVector)));
  }
}
