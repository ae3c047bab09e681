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
 * - Anti-entropy (part E, bonus, on only with `antiEntropy: true`): a Merkle tree per key range,
 *   updated whenever the store changes, and a periodic exchange with a peer replica that
 *   compares trees level by level and moves only the keys that differ (Dynamo §4.7).
 *
 * The plumbing is given in plumbing.ts, which this class extends: `start` (reloads the disk
 * into `store`, `hinted`, `clock` and `counter`), message and timer dispatch (a `read` calls
 * `onRead`, a `store` calls `onStore`, replies call `onReply`, a `retry:<rid>` timer calls
 * `onRetry`, the `handoff` timer calls `handOff`, the `anti-entropy` timer calls `startExchange`,
 * `syncHashes`, `syncKeys` and `syncEntries` call `onSyncHashes`, `onSyncKeys`, `onSyncEntries`), the client protocol (calls `coordinateGet`
 * and `coordinateWrite`), `contextOf`, `quorumFor`, `sendPhase`, `nextRid`, `sameVersions`,
 * `observe`, and the introspection hooks. Read it before you start; you should not need to
 * change it.
 *
 * Disk keys: `storeKey(key)` for a replica's versions, `hintKey(forNode, key)` for a hint,
 * "vv-counter" for the vector counter. All I/O goes through `env`; all durable state lives in
 * `env.disk`.
 */
import { NotImplemented, type NodeId } from "@faultline/sim";
import type {
  Config,
  Context,
  Entry,
  KeyDigest,
  NodeHash,
  Stamp,
  StoreReason,
  Version,
  VersionVector,
} from "./types.ts";
import * as versions from "./versions.ts";
import { compareStamps, compareVectors, mergeVectors, versionId } from "./versions.ts";
import { preferenceList, rangeReplicas } from "./ring.ts";
import { DEPTH, FANOUT, MerkleTree, childrenOf, digestOf } from "./merkle.ts";
import { KvNodePlumbing, hintKey, storeKey, type Phase } from "./plumbing.ts";

export type { Phase } from "./plumbing.ts";

export class KvNode extends KvNodePlumbing {
  constructor(config: Partial<Config> = {}) {
    super(config, versions, MerkleTree); // the plumbing orders versions with your versions.ts and builds your trees
  }

  // ---------------------------------------------------------------- versions

  /**
   * A stamp for a new write: above this node's clock reading, above everything it has seen
   * (Lamport clock) and above the stamp in the client's context, so a read-modify-write always
   * supersedes what it read.
   */
  override newStamp(context: Context | undefined): Stamp {
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
  override newVector(context: Context | undefined): VersionVector {
    // TODO (Part C): bump this.counter, persist it (disk.write + sync), and return the context's vv merged with one new entry `${env.id}.${counter}`: 1.
    throw new NotImplemented("KvNode.newVector");
  }

  /**
   * The versions worth keeping out of `versions`: the single newest (lww, abd), or every
   * version no other one dominates (vv: the siblings). Sorted and without duplicates.
   */
  override reconcile(versions: readonly Version[]): Version[] {
    // TODO (Parts A and C): drop duplicates (same versionId); lww/abd: keep only the version with the highest stamp; vv: keep every version that no other version's vector is strictly 'after'. Sort by versionId so every node returns the same order.
    throw new NotImplemented("KvNode.reconcile");
  }

  // ---------------------------------------------------------------- replica role

  /** Merge `incoming` into this replica's copy of `key`, durably. Returns what is stored now. */
  override storeVersions(key: string, incoming: readonly Version[], _reason: StoreReason): Version[] {
    // TODO (Part A): merge incoming with what this replica holds using reconcile(); if it changed, update this.store, env.disk.write(`k:${key}`, ...) and env.disk.sync() before anyone is told. Part E: when config.antiEntropy is on and the store changed, also call updateTree(key, merged).
    throw new NotImplemented("KvNode.storeVersions");
  }

  protected override onRead(from: NodeId, rid: string, key: string): void {
    // TODO (Part A): answer { type: 'readReply', rid, key, versions } with the reconciled versions you hold for key (part D: include hinted versions of that key).
    throw new NotImplemented("KvNode.onRead");
  }

  protected override onStore(
    from: NodeId,
    rid: string,
    key: string,
    versions: Version[],
    reason: StoreReason,
    hintFor: NodeId | undefined,
  ): void {
    // TODO (Parts A and D): observe every stamp (Lamport), then keep the versions: as a hint when hintFor names another node (part D), else with storeVersions(). Then acknowledge: { type: 'stored', rid, key }.
    throw new NotImplemented("KvNode.onStore");
  }

  // ---------------------------------------------------------------- hinted handoff (§4.6)

  protected override addHint(forNode: NodeId, key: string, versions: readonly Version[]): void {
    // TODO (Part D): merge versions into the hint for (forNode, key), keep it in this.hinted and on disk (write + sync).
    throw new NotImplemented("KvNode.addHint");
  }

  /** Offer every hint to the replica it belongs to; a hint stays until that replica acknowledges. */
  protected override handOff(): void {
    // TODO (Part D): for every hint send a store (reason 'handoff') to hint.for with a fresh rid, and remember in this.handoffs which hint and which version ids that rid carried. Do not delete anything yet.
    throw new NotImplemented("KvNode.handOff");
  }

  protected override onHandoffAck(rid: string): void {
    // TODO (Part D): the replica acknowledged: delete the hint (memory and disk, sync) unless versions were added to it after that handoff left.
    throw new NotImplemented("KvNode.onHandoffAck");
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
    // TODO (Parts A, B and C): build the version (value, newStamp(context), vv mode: newVector(context)), then runPhase('store', ...) and call done(version) at quorum, fail(...) on timeout. abd mode (part B): first runPhase('read', ...) to learn the highest stamp of a read quorum and stamp above it.
    throw new NotImplemented("KvNode.coordinateWrite");
  }

  /** A get: read R replicas and return the reconciled versions (ABD: after writing them back). */
  protected override coordinateGet(key: string, done: (versions: Version[]) => void, fail: (e: string) => void): void {
    // TODO (Parts A and B): runPhase('read', ...); at quorum reconcile all replies and answer with done(result). Part B: read repair stale repliers (and late ones, via phase.onLate); abd mode: writeBack() before done.
    throw new NotImplemented("KvNode.coordinateGet");
  }

  /** ABD's second read phase: make the value about to be returned durable on W replicas. */
  protected override writeBack(key: string, result: Version[], done: () => void, fail: (e: string) => void): void {
    // TODO (Part B): ABD: store the result on W replicas (runPhase 'store', reason 'writeback') and only then call done(). Nothing to write back when result is empty.
    throw new NotImplemented("KvNode.writeBack");
  }

  /** Read repair: send `result` to a replica whose reply lacked part of it. */
  protected override repairIfStale(
    key: string,
    node: NodeId,
    replied: readonly Version[],
    result: readonly Version[],
  ): void {
    // TODO (Part B): if reconcile(replied + result) differs from what the replica replied, send it a store of result with reason 'repair' (no need to wait for the ack).
    throw new NotImplemented("KvNode.repairIfStale");
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
    // TODO (Part A): create the Phase (targets: replicasOf(key), need: quorumFor(kind), deadline: now + requestTimeoutMs), register it in this.phases, sendPhase() to every target and set a `retry:${rid}` timer.
    throw new NotImplemented("KvNode.runPhase");
  }

  /** The key's N preferred replicas (Dynamo §4.2). */
  override replicasOf(key: string): NodeId[] {
    // TODO (Part A): the first N nodes of preferenceList(key, all nodes).
    throw new NotImplemented("KvNode.replicasOf");
  }

  protected override onReply(from: NodeId, rid: string, versions: Version[]): void {
    // TODO (Part A): ignore unknown rids, non-targets and second replies from the same node; observe stamps; record the reply; when replies reach phase.need call onQuorum() once; later replies go to onLate. Forget the phase when every target replied.
    throw new NotImplemented("KvNode.onReply");
  }

  /** Re-send to silent targets; in a sloppy quorum, replace a silent one with a fallback (§4.6). */
  protected override onRetry(rid: string): void {
    // TODO (Parts A and D): past the deadline: forget the phase and call onTimeout() if the quorum was not reached. Otherwise re-send to silent targets (part D, sloppy: after fallbackAfter sends, replace the target by nextFallback() with hintFor) and set the timer again.
    throw new NotImplemented("KvNode.onRetry");
  }

  /** The first node after the N preferred ones that this phase has not used yet. */
  override nextFallback(phase: Phase): NodeId | undefined {
    // TODO (Part D): the first node after the first N of the key's preference list that this phase has not used.
    throw new NotImplemented("KvNode.nextFallback");
  }

  // ---------------------------------------------------------------- anti-entropy (§4.7, part E)
  //
  // Dynamo §4.7: "each node maintains a separate Merkle tree for each key range ... it hosts".
  // Two replicas of a range compare the roots; where a hash differs they compare its children,
  // down to the leaves; only keys of differing leaves whose digests differ are transferred,
  // and merged like any store (reconcile: a newer version or a tombstone is never replaced by
  // an older one; concurrent siblings are all kept). An exchange is a chain of messages:
  //
  //   A -> B  syncHashes level 0 (A's root)        B compares with its own root
  //   B -> A  syncHashes level 1 (children of differing nodes, B's hashes)
  //   A -> B  syncHashes level 2 ...               (each side answers only what differs)
  //   X -> Y  syncKeys (keys and digests of the differing leaves, X's view)
  //   Y -> X  syncEntries (Y's entries of keys whose digests differ, and `want`: keys X has)
  //   X -> Y  syncEntries (X's entries of the wanted keys that still differ after merging)
  //
  // Nothing is remembered between messages, so a lost one just ends the exchange early.

  // Given in plumbing.ts: `treeOf(range)` (the Merkle tree of a key range, created empty on
  // first use), `rangeOfKey(key)` and `exchangeTurn` (the round robin over syncPartners()).

  /**
   * Every (range, peer) pair this replica can compare: for each range 0..(number of nodes - 1)
   * whose N replicas (rangeReplicas) include this node, one pair per other replica. Example:
   * 3 nodes, N = 3: every node replicates ranges 0, 1, 2 with both other nodes: 6 pairs.
   */
  syncPartners(): Array<[range: number, peer: NodeId]> {
    // TODO (Part E): loop over ranges 0..nodes.length-1 (nodes = [env.id, ...env.peers]), keep those whose rangeReplicas(range, nodes, config.n) include env.id, and list [range, peer] for every other replica.
    throw new NotImplemented("KvNode.syncPartners");
  }

  /**
   * The store of `key` now holds `versions`: record digestOf(key, versions) in the tree of the
   * key's range (no versions: remove the key). Called by the plumbing for every key at start,
   * and by your storeVersions whenever the store changes; a tree that misses a write compares
   * equal to a replica that missed it too, and the write never spreads.
   */
  protected override updateTree(key: string, versions: readonly Version[]): void {
    // TODO (Part E): this.treeOf(this.rangeOfKey(key)).set(key, versions.length > 0 ? digestOf(key, versions) : undefined). Tombstones are versions: a deleted key keeps its digest.
    throw new NotImplemented("KvNode.updateTree");
  }

  /** Timer: start one exchange with the next (range, peer) of syncPartners(), round robin. */
  protected override startExchange(): void {
    // TODO (Part E): pick partners[this.exchangeTurn++ % partners.length] (nothing to do without partners) and send it { type: 'syncHashes', range, level: 0, hashes: [[0, root hash]] }.
    throw new NotImplemented("KvNode.startExchange");
  }

  /**
   * A peer sent its hashes of some nodes of `range` at `level`. Compare each with yours; for
   * the nodes that differ send back your hashes of their children (level + 1), or, at the leaf
   * level DEPTH, a `syncKeys` with your keys of those leaves. Nothing differs: send nothing.
   * Never descend into a subtree whose hash is equal: that is what keeps the cost O(d log n).
   */
  protected override onSyncHashes(from: NodeId, range: number, level: number, hashes: NodeHash[]): void {
    // TODO (Part E): ignore a level outside 0..DEPTH and indices outside 0..FANOUT**level-1; differing = indices where tree.hash(level, i) !== h; then syncHashes with [child, tree.hash(level + 1, child)] for childrenOf(each differing), or at level DEPTH syncKeys with [leaf, tree.keys(leaf)] for each differing leaf.
    throw new NotImplemented("KvNode.onSyncHashes");
  }

  /**
   * A peer listed its keys (with digests) of leaves that differ. For every key of those leaves
   * (yours or theirs) whose digests differ: if you hold it, send your entry; if they hold it,
   * ask for theirs (`want`). One `syncEntries` message, only if it carries something.
   */
  protected override onSyncKeys(from: NodeId, range: number, leaves: Array<[number, KeyDigest[]]>): void {
    // TODO (Part E): compare tree.digest(key) with the peer's digest for the union of both key lists of each leaf; entries: { key, versions: this.store.get(key) } where yours is defined; want: keys where theirs is defined.
    throw new NotImplemented("KvNode.onSyncKeys");
  }

  /**
   * Merge each entry of this range with storeVersions(key, versions, 'sync') (observe the
   * stamps first), never by replacing what you hold; then answer with your entries of the
   * wanted keys, except those now equal to what the peer sent (it has them already).
   */
  protected override onSyncEntries(from: NodeId, range: number, entries: Entry[], want: string[]): void {
    // TODO (Part E): skip entries whose key is not in `range`; merge the rest; reply { type: 'syncEntries', range, entries: yours for want (non-empty, not sameVersions as sent), want: [] } if non-empty.
    throw new NotImplemented("KvNode.onSyncEntries");
  }
}
