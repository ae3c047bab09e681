/**
 * Reference solution of the quorum-kv lab: one class plays two roles.
 *
 * - Replica: stores versions of the keys it owns (durably, synced before it answers), answers
 *   `read` with what it holds and merges `store` into it; as a fallback it keeps hints.
 * - Coordinator: any node a client talks to runs the client's request as one or two quorum
 *   phases. A phase sends the same message to the key's replicas, re-sends to those that are
 *   silent, and is complete when enough distinct replicas answered (W for a store, R for a
 *   read). Replies that arrive after that drive read repair.
 * - Anti-entropy (part E, opt-in): every replica keeps a Merkle tree per key range, updated on
 *   every change of its store, and periodically compares one tree with a peer replicating the
 *   same range, descending only into differing subtrees and exchanging only differing keys.
 *
 * The given plumbing (startup, dispatch, client protocol, the anti-entropy helpers treeOf and
 * rangeOfKey) is the learner's, in ../src/plumbing.ts. All I/O goes through `env`; all durable
 * state lives in `env.disk`.
 */
import type { NodeId } from "@faultline/sim";
import type {
  Config,
  Context,
  Entry,
  Hint,
  KeyDigest,
  NodeHash,
  Stamp,
  StoreReason,
  Version,
  VersionVector,
} from "../src/types.ts";
import { KvNodePlumbing, hintKey, storeKey, type Phase } from "../src/plumbing.ts";
import * as versions from "./versions.ts";
import { mergeVectors, versionId } from "./versions.ts";
import { preferenceList, rangeReplicas } from "./ring.ts";
import { DEPTH, FANOUT, MerkleTree, childrenOf, digestOf } from "./merkle.ts";

export type { Phase } from "../src/plumbing.ts";

export class KvNode extends KvNodePlumbing {
  constructor(config: Partial<Config> = {}) {
    super(config, versions, MerkleTree);
  }

  // ---------------------------------------------------------------- versions

  /**
   * A stamp for a new write: above this node's clock reading, above everything it has seen
   * (Lamport clock) and above the stamp in the client's context, so a read-modify-write always
   * supersedes what it read.
   */
  override newStamp(context: Context | undefined): Stamp {
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
  override newVector(context: Context | undefined): VersionVector {
    this.counter++;
    this.env.disk.write("vv-counter", this.counter);
    this.env.disk.sync();
    return mergeVectors(context?.vv ?? {}, { [`${this.env.id}.${this.counter}`]: 1 });
  }

  /**
   * The versions worth keeping out of `versions`: the single newest (lww, abd), or every
   * version no other one dominates (vv: the siblings). Sorted and without duplicates.
   */
  override reconcile(versions: readonly Version[]): Version[] {
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

  // ---------------------------------------------------------------- replica role

  /** Merge `incoming` into this replica's copy of `key`, durably. Returns what is stored now. */
  override storeVersions(key: string, incoming: readonly Version[], _reason: StoreReason): Version[] {
    const current = this.store.get(key) ?? [];
    const merged = this.reconcile([...current, ...incoming]);
    if (!this.sameVersions(current, merged)) {
      this.store.set(key, merged);
      this.env.disk.write(storeKey(key), merged);
      this.env.disk.sync();
      if (this.config.antiEntropy) this.updateTree(key, merged);
    }
    return merged;
  }

  protected override onRead(from: NodeId, rid: string, key: string): void {
    const held = [...(this.store.get(key) ?? [])];
    for (const h of this.hinted.values()) if (h.key === key) held.push(...h.versions);
    this.env.send(from, { type: "readReply", rid, key, versions: this.reconcile(held) });
  }

  protected override onStore(
    from: NodeId,
    rid: string,
    key: string,
    versions: Version[],
    reason: StoreReason,
    hintFor: NodeId | undefined,
  ): void {
    for (const v of versions) this.observe(v.stamp);
    if (hintFor !== undefined && hintFor !== this.env.id) this.addHint(hintFor, key, versions);
    else this.storeVersions(key, versions, reason);
    this.env.send(from, { type: "stored", rid, key });
  }

  // ---------------------------------------------------------------- hinted handoff (§4.6)

  protected override addHint(forNode: NodeId, key: string, versions: readonly Version[]): void {
    const hid = hintKey(forNode, key);
    const before = this.hinted.get(hid)?.versions ?? [];
    const hint: Hint = { for: forNode, key, versions: this.reconcile([...before, ...versions]) };
    this.hinted.set(hid, hint);
    this.env.disk.write(hid, hint);
    this.env.disk.sync();
  }

  /** Offer every hint to the replica it belongs to; a hint stays until that replica acknowledges. */
  protected override handOff(): void {
    this.handoffs.clear();
    for (const [hid, h] of this.hinted) {
      const rid = this.nextRid("ho");
      this.handoffs.set(rid, { hid, ids: h.versions.map((v) => versionId(v, this.config.mode === "vv")) });
      this.env.send(h.for, { type: "store", rid, key: h.key, versions: h.versions, reason: "handoff" });
    }
  }

  protected override onHandoffAck(rid: string): void {
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

  /** A put (value) or delete (null): make the new version, then store it on W replicas. */
  protected override coordinateWrite(
    key: string,
    value: string | null,
    context: Context | undefined,
    done: (v: Version) => void,
    fail: (e: string) => void,
  ): void {
    const write = (ctx: Context | undefined) => {
      const version: Version = {
        value,
        stamp: this.newStamp(ctx),
        vv: this.config.mode === "vv" ? this.newVector(ctx) : {},
      };
      this.runPhase(
        "store",
        key,
        [version],
        "put",
        () => done(version),
        () => fail(`put of ${key} reached fewer than W=${this.config.w} replicas`),
      );
    };
    if (this.config.mode !== "abd") return write(context);
    // ABD write, phase 1: learn the highest stamp a read quorum holds, then write above it.
    const query = this.runPhase(
      "read",
      key,
      [],
      "put",
      () => {
        const seen = this.reconcile([...query.replies.values()].flat());
        const highest = this.contextOf(seen).stamp;
        const ctxStamp = context?.stamp ?? null;
        const top = highest && (!ctxStamp || this.compareStamps(highest, ctxStamp) > 0) ? highest : ctxStamp;
        write({ stamp: top, vv: {} });
      },
      () => fail(`put of ${key}: fewer than R=${this.config.r} replicas answered the timestamp query`),
    );
  }

  /** A get: read R replicas and return the reconciled versions (ABD: after writing them back). */
  protected override coordinateGet(key: string, done: (versions: Version[]) => void, fail: (e: string) => void): void {
    const phase = this.runPhase(
      "read",
      key,
      [],
      "repair",
      () => {
        const result = this.reconcile([...phase.replies.values()].flat());
        if (this.config.mode === "abd") return this.writeBack(key, result, () => done(result), fail);
        done(result);
        if (this.config.readRepair)
          for (const [node, versions] of phase.replies) this.repairIfStale(key, node, versions, result);
      },
      () => fail(`get of ${key}: fewer than R=${this.config.r} replicas answered`),
    );
    if (this.config.mode !== "abd" && this.config.readRepair) {
      phase.onLate = (node, versions) =>
        this.repairIfStale(key, node, versions, this.reconcile([...phase.replies.values()].flat()));
    }
  }

  /** ABD's second read phase: make the value about to be returned durable on W replicas. */
  protected override writeBack(key: string, result: Version[], done: () => void, fail: (e: string) => void): void {
    if (result.length === 0) return done(); // nothing written yet: the initial value needs no write-back
    this.runPhase("store", key, result, "writeback", done, () =>
      fail(`get of ${key}: write-back reached fewer than W=${this.config.w} replicas`),
    );
  }

  /** Read repair: send `result` to a replica whose reply lacked part of it. */
  protected override repairIfStale(
    key: string,
    node: NodeId,
    replied: readonly Version[],
    result: readonly Version[],
  ): void {
    if (result.length === 0) return;
    const merged = this.reconcile([...replied, ...result]);
    if (this.sameVersions(replied, merged)) return;
    const rid = this.nextRid("rr");
    this.env.send(node, { type: "store", rid, key, versions: [...result], reason: "repair" });
  }

  // ---------------------------------------------------------------- quorum phases

  /** Send a read or store to the key's N replicas; call `onQuorum` once enough answered. */
  protected override runPhase(
    kind: "read" | "store",
    key: string,
    versions: Version[],
    reason: StoreReason,
    onQuorum: () => void,
    onTimeout: () => void,
  ): Phase {
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
  override replicasOf(key: string): NodeId[] {
    return preferenceList(key, [this.env.id, ...this.env.peers]).slice(0, this.config.n);
  }

  protected override onReply(from: NodeId, rid: string, versions: Version[]): void {
    const phase = this.phases.get(rid);
    if (!phase?.targets.has(from) || phase.replies.has(from)) return;
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
  protected override onRetry(rid: string): void {
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
        const fallback =
          this.config.sloppy && target.sends >= this.config.fallbackAfter ? this.nextFallback(phase) : undefined;
        if (fallback === undefined) {
          this.sendPhase(phase, node);
          continue;
        }
        phase.targets.delete(node);
        phase.used.add(fallback);
        phase.targets.set(fallback, {
          sends: 0,
          ...(phase.kind === "store" ? { hintFor: target.hintFor ?? node } : {}),
        });
        this.sendPhase(phase, fallback);
      }
    }
    this.env.setTimer(this.config.retryMs, `retry:${rid}`);
  }

  /** The first node after the N preferred ones that this phase has not used yet. */
  override nextFallback(phase: Phase): NodeId | undefined {
    const all = preferenceList(phase.key, [this.env.id, ...this.env.peers]);
    return all.slice(this.config.n).find((n) => !phase.used.has(n));
  }

  // ---------------------------------------------------------------- anti-entropy (§4.7, part E)

  /** Every (range, peer) this replica can compare: the ranges it replicates and their other replicas. */
  syncPartners(): Array<[range: number, peer: NodeId]> {
    const nodes = [this.env.id, ...this.env.peers];
    const out: Array<[number, NodeId]> = [];
    for (let range = 0; range < nodes.length; range++) {
      const replicas = rangeReplicas(range, nodes, this.config.n);
      if (!replicas.includes(this.env.id)) continue;
      for (const peer of replicas) if (peer !== this.env.id) out.push([range, peer]);
    }
    return out;
  }

  /** The store of `key` changed: its digest in its range's tree changes too. */
  protected override updateTree(key: string, versions: readonly Version[]): void {
    this.treeOf(this.rangeOfKey(key)).set(key, versions.length > 0 ? digestOf(key, versions) : undefined);
  }

  /** Timer: compare the next (range, peer) of the round robin, starting at the root. */
  protected override startExchange(): void {
    const partners = this.syncPartners();
    if (partners.length === 0) return;
    const [range, peer] = partners[this.exchangeTurn++ % partners.length] as [number, NodeId];
    this.env.send(peer, { type: "syncHashes", range, level: 0, hashes: [[0, this.treeOf(range).hash(0, 0)]] });
  }

  /** Answer with the children of the nodes whose hashes differ, or at the leaves with their keys. */
  protected override onSyncHashes(from: NodeId, range: number, level: number, hashes: NodeHash[]): void {
    if (!(Number.isInteger(level) && level >= 0 && level <= DEPTH)) return;
    const tree = this.treeOf(range);
    const size = FANOUT ** level;
    const differing = hashes
      .filter(([i, h]) => Number.isInteger(i) && i >= 0 && i < size && tree.hash(level, i) !== h)
      .map(([i]) => i);
    if (differing.length === 0) return; // equal subtrees: nothing to do, nothing to say
    if (level < DEPTH) {
      const below = differing.flatMap(childrenOf).map((c): NodeHash => [c, tree.hash(level + 1, c)]);
      this.env.send(from, { type: "syncHashes", range, level: level + 1, hashes: below });
    } else {
      this.env.send(from, {
        type: "syncKeys",
        range,
        leaves: differing.map((leaf): [number, KeyDigest[]] => [leaf, tree.keys(leaf)]),
      });
    }
  }

  /** Compare key digests of differing leaves: send my entries of the keys that differ, ask for theirs. */
  protected override onSyncKeys(from: NodeId, range: number, leaves: Array<[number, KeyDigest[]]>): void {
    const tree = this.treeOf(range);
    const entries: Entry[] = [];
    const want: string[] = [];
    for (const [leaf, theirs] of leaves) {
      if (!(Number.isInteger(leaf) && leaf >= 0 && leaf < FANOUT ** DEPTH)) continue;
      const theirDigests = new Map(theirs);
      const keys = new Set([...theirDigests.keys(), ...tree.keys(leaf).map(([k]) => k)]);
      for (const key of [...keys].sort()) {
        const mine = tree.digest(key);
        const other = theirDigests.get(key);
        if (mine === other) continue;
        if (mine !== undefined) entries.push({ key, versions: this.store.get(key) ?? [] });
        if (other !== undefined) want.push(key);
      }
    }
    if (entries.length > 0 || want.length > 0) this.env.send(from, { type: "syncEntries", range, entries, want });
  }

  /** Merge the entries like any store (never downgrading), then send back the wanted keys that still differ. */
  protected override onSyncEntries(from: NodeId, range: number, entries: Entry[], want: string[]): void {
    const sent = new Map<string, Version[]>();
    for (const { key, versions } of entries) {
      if (this.rangeOfKey(key) !== range) continue;
      for (const v of versions) this.observe(v.stamp);
      this.storeVersions(key, versions, "sync");
      sent.set(key, versions);
    }
    const reply: Entry[] = [];
    for (const key of want) {
      const mine = this.store.get(key) ?? [];
      const theirs = sent.get(key);
      if (mine.length === 0 || (theirs && this.sameVersions(mine, theirs))) continue;
      reply.push({ key, versions: mine });
    }
    if (reply.length > 0) this.env.send(from, { type: "syncEntries", range, entries: reply, want: [] });
  }
}
