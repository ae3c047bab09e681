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
 * The plumbing is given in plumbing.ts, which this class extends: `start` (reloads the disk
 * into `store`, `hinted`, `clock` and `counter`), message and timer dispatch (a `read` calls
 * `onRead`, a `store` calls `onStore`, replies call `onReply`, a `retry:<rid>` timer calls
 * `onRetry`, the `handoff` timer calls `handOff`), the client protocol (calls `coordinateGet`
 * and `coordinateWrite`), `contextOf`, `quorumFor`, `sendPhase`, `nextRid`, `sameVersions`,
 * `observe`, and the introspection hooks. Read it before you start; you should not need to
 * change it.
 *
 * Disk keys: `storeKey(key)` for a replica's versions, `hintKey(forNode, key)` for a hint,
 * "vv-counter" for the vector counter. All I/O goes through `env`; all durable state lives in
 * `env.disk`.
 */
import { NotImplemented, type NodeId } from "@faultline/sim";
import type { Config, Context, Stamp, StoreReason, Version, VersionVector } from "./types.ts";
import * as versions from "./versions.ts";
import { compareStamps, compareVectors, mergeVectors, versionId } from "./versions.ts";
import { preferenceList } from "./ring.ts";
import { KvNodePlumbing, hintKey, storeKey, type Phase } from "./plumbing.ts";

export type { Phase } from "./plumbing.ts";

export class KvNode extends KvNodePlumbing {
  constructor(config: Partial<Config> = {}) {
    super(config, versions); // the plumbing orders versions with your versions.ts
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
    // TODO (Part A): merge incoming with what this replica holds using reconcile(); if it changed, update this.store, env.disk.write(`k:${key}`, ...) and env.disk.sync() before anyone is told.
    throw new NotImplemented("KvNode.storeVersions");
  }

  protected override onRead(from: NodeId, rid: string, key: string): void {
    // TODO (Part A): answer { type: 'readReply', rid, key, versions } with the reconciled versions you hold for key (part D: include hinted versions of that key).
    throw new NotImplemented("KvNode.onRead");
  }

  protected override onStore(from: NodeId, rid: string, key: string, versions: Version[], reason: StoreReason, hintFor: NodeId | undefined): void {
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
  protected override coordinateWrite(key: string, value: string | null, context: Context | undefined, done: (v: Version) => void, fail: (e: string) => void): void {
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
  protected override repairIfStale(key: string, node: NodeId, replied: readonly Version[], result: readonly Version[]): void {
    // TODO (Part B): if reconcile(replied + result) differs from what the replica replied, send it a store of result with reason 'repair' (no need to wait for the ack).
    throw new NotImplemented("KvNode.repairIfStale");
  }

  // ---------------------------------------------------------------- quorum phases

  /** Send a read or store to the key's N replicas; call `onQuorum` once enough answered. */
  protected override runPhase(kind: "read" | "store", key: string, versions: Version[], reason: StoreReason, onQuorum: () => void, onTimeout: () => void): Phase {
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
}
