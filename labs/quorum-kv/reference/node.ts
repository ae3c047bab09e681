/**
 * Reference solution of the quorum-kv lab: one class plays two roles.
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
import type { Env, Node, NodeId } from "@faultline/sim";
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
} from "../src/types.ts";
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
    const t = Math.max(Math.floor(this.env.now()), this.clock + 1, (context?.stamp?.t ?? 0) + 1);
    this.clock = t;
    return { t, node: this.env.id };
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
    this.counter++;
    this.env.disk.write("vv-counter", this.counter);
    this.env.disk.sync();
    return mergeVectors(context?.vv ?? {}, { [`${this.env.id}.${this.counter}`]: 1 });
  }

  /**
   * The versions worth keeping out of `versions`: the single newest (lww, abd), or every
   * version no other one dominates (vv: the siblings). Sorted and without duplicates.
   */
  reconcile(versions: readonly Version[]): Version[] {
    const byVector = this.config.mode === "vv";
    const unique = new Map<string, Version>();
    for (const v of versions) if (!unique.has(versionId(v, byVector))) unique.set(versionId(v, byVector), v);
    const all = [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    if (!byVector) {
      let best: Version | undefined;
      for (const v of all) if (!best || this.compareStamps(v.stamp, best.stamp) > 0) best = v;
      return best ? [best] : [];
    }
    return all.filter((v) => !all.some((o) => o !== v && this.compareVectors(v.vv, o.vv) === "before"));
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
    const current = this.store.get(key) ?? [];
    const merged = this.reconcile([...current, ...incoming]);
    if (!this.sameVersions(current, merged)) {
      this.store.set(key, merged);
      this.env.disk.write(storeKey(key), merged);
      this.env.disk.sync();
    }
    return merged;
  }

  protected onRead(from: NodeId, rid: string, key: string): void {
    const held = [...(this.store.get(key) ?? [])];
    for (const h of this.hinted.values()) if (h.key === key) held.push(...h.versions);
    this.env.send(from, { type: "readReply", rid, key, versions: this.reconcile(held) });
  }

  protected onStore(from: NodeId, rid: string, key: string, versions: Version[], reason: StoreReason, hintFor: NodeId | undefined): void {
    for (const v of versions) this.observe(v.stamp);
    if (hintFor !== undefined && hintFor !== this.env.id) this.addHint(hintFor, key, versions);
    else this.storeVersions(key, versions, reason);
    this.env.send(from, { type: "stored", rid, key });
  }

  // ---------------------------------------------------------------- hinted handoff (§4.6)

  protected addHint(forNode: NodeId, key: string, versions: readonly Version[]): void {
    const hid = hintKey(forNode, key);
    const before = this.hinted.get(hid)?.versions ?? [];
    const hint: Hint = { for: forNode, key, versions: this.reconcile([...before, ...versions]) };
    this.hinted.set(hid, hint);
    this.env.disk.write(hid, hint);
    this.env.disk.sync();
  }

  /** Offer every hint to the replica it belongs to; a hint stays until that replica acknowledges. */
  protected handOff(): void {
    this.handoffs.clear();
    for (const [hid, h] of this.hinted) {
      const rid = this.nextRid("ho");
      this.handoffs.set(rid, { hid, ids: h.versions.map((v) => versionId(v, this.config.mode === "vv")) });
      this.env.send(h.for, { type: "store", rid, key: h.key, versions: h.versions, reason: "handoff" });
    }
  }

  protected onHandoffAck(rid: string): void {
    const sent = this.handoffs.get(rid);
    this.handoffs.delete(rid);
    if (!sent) return;
    const h = this.hinted.get(sent.hid);
    if (!h) return;
    // Versions added to the hint after this handoff left are not acknowledged yet: keep it.
    if (!h.versions.every((v) => sent.ids.includes(versionId(v, this.config.mode === "vv")))) return;
    this.hinted.delete(sent.hid);
    this.env.disk.delete(sent.hid);
    this.env.disk.sync();
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
    const write = (ctx: Context | undefined) => {
      const version: Version = {
        value,
        stamp: this.newStamp(ctx),
        vv: this.config.mode === "vv" ? this.newVector(ctx) : {},
      };
      this.runPhase("store", key, [version], "put", () => done(version), () => fail(`put of ${key} reached fewer than W=${this.config.w} replicas`));
    };
    if (this.config.mode !== "abd") return write(context);
    // ABD write, phase 1: learn the highest stamp a read quorum holds, then write above it.
    const query = this.runPhase("read", key, [], "put", () => {
      const seen = this.reconcile([...query.replies.values()].flat());
      const highest = this.contextOf(seen).stamp;
      const ctxStamp = context?.stamp ?? null;
      const top = highest && (!ctxStamp || this.compareStamps(highest, ctxStamp) > 0) ? highest : ctxStamp;
      write({ stamp: top, vv: {} });
    }, () => fail(`put of ${key}: fewer than R=${this.config.r} replicas answered the timestamp query`));
  }

  /** A get: read R replicas and return the reconciled versions (ABD: after writing them back). */
  protected coordinateGet(key: string, done: (versions: Version[]) => void, fail: (e: string) => void): void {
    const phase = this.runPhase("read", key, [], "repair", () => {
      const result = this.reconcile([...phase.replies.values()].flat());
      if (this.config.mode === "abd") return this.writeBack(key, result, () => done(result), fail);
      done(result);
      if (this.config.readRepair) for (const [node, versions] of phase.replies) this.repairIfStale(key, node, versions, result);
    }, () => fail(`get of ${key}: fewer than R=${this.config.r} replicas answered`));
    if (this.config.mode !== "abd" && this.config.readRepair) {
      phase.onLate = (node, versions) => this.repairIfStale(key, node, versions, this.reconcile([...phase.replies.values()].flat()));
    }
  }

  /** ABD's second read phase: make the value about to be returned durable on W replicas. */
  protected writeBack(key: string, result: Version[], done: () => void, fail: (e: string) => void): void {
    if (result.length === 0) return done(); // nothing written yet: the initial value needs no write-back
    this.runPhase("store", key, result, "writeback", done, () => fail(`get of ${key}: write-back reached fewer than W=${this.config.w} replicas`));
  }

  /** Read repair: send `result` to a replica whose reply lacked part of it. */
  protected repairIfStale(key: string, node: NodeId, replied: readonly Version[], result: readonly Version[]): void {
    if (result.length === 0) return;
    const merged = this.reconcile([...replied, ...result]);
    if (this.sameVersions(replied, merged)) return;
    const rid = this.nextRid("rr");
    this.env.send(node, { type: "store", rid, key, versions: [...result], reason: "repair" });
  }

  // ---------------------------------------------------------------- quorum phases

  /** Send a read or store to the key's N replicas; call `onQuorum` once enough answered. */
  protected runPhase(kind: "read" | "store", key: string, versions: Version[], reason: StoreReason, onQuorum: () => void, onTimeout: () => void): Phase {
    const replicas = this.replicasOf(key);
    const phase: Phase = {
      rid: this.nextRid(kind === "read" ? "r" : "s"),
      kind,
      key,
      versions,
      reason,
      need: this.quorumFor(kind),
      targets: new Map(replicas.map((n) => [n, { sends: 0 }])),
      used: new Set(replicas),
      replies: new Map(),
      done: false,
      deadline: this.env.now() + this.config.requestTimeoutMs,
      onQuorum,
      onTimeout,
    };
    this.phases.set(phase.rid, phase);
    for (const node of phase.targets.keys()) this.sendPhase(phase, node);
    this.env.setTimer(this.config.retryMs, `retry:${phase.rid}`);
    return phase;
  }

  /** The key's N preferred replicas (Dynamo §4.2). */
  replicasOf(key: string): NodeId[] {
    return preferenceList(key, [this.env.id, ...this.env.peers]).slice(0, this.config.n);
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
    const phase = this.phases.get(rid);
    if (!phase || !phase.targets.has(from) || phase.replies.has(from)) return;
    for (const v of versions) this.observe(v.stamp);
    phase.replies.set(from, versions);
    if (!phase.done) {
      if (phase.replies.size >= phase.need) {
        phase.done = true;
        phase.onQuorum();
      }
    } else phase.onLate?.(from, versions);
    if (phase.replies.size === phase.targets.size) this.phases.delete(rid);
  }

  /** Re-send to silent targets; in a sloppy quorum, replace a silent one with a fallback (§4.6). */
  protected onRetry(rid: string): void {
    const phase = this.phases.get(rid);
    if (!phase) return;
    if (this.env.now() >= phase.deadline) {
      this.phases.delete(rid);
      if (!phase.done) phase.onTimeout();
      return;
    }
    if (!phase.done) {
      for (const [node, target] of [...phase.targets]) {
        if (phase.replies.has(node)) continue;
        const fallback = this.config.sloppy && target.sends >= this.config.fallbackAfter ? this.nextFallback(phase) : undefined;
        if (fallback === undefined) {
          this.sendPhase(phase, node);
          continue;
        }
        phase.targets.delete(node);
        phase.used.add(fallback);
        phase.targets.set(fallback, { sends: 0, ...(phase.kind === "store" ? { hintFor: target.hintFor ?? node } : {}) });
        this.sendPhase(phase, fallback);
      }
    }
    this.env.setTimer(this.config.retryMs, `retry:${rid}`);
  }

  /** The first node after the N preferred ones that this phase has not used yet. */
  nextFallback(phase: Phase): NodeId | undefined {
    const all = preferenceList(phase.key, [this.env.id, ...this.env.peers]);
    return all.slice(this.config.n).find((n) => !phase.used.has(n));
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
