/**
 * The given plumbing of the quorum-kv node: nothing to write in this file. `KvNode` in
 * node.ts extends `KvNodePlumbing` and fills in the methods marked `abstract` below.
 *
 * Given here: startup (reloads the store, the hints and the vector counter from `env.disk`;
 * with anti-entropy on, feeds every stored key to `updateTree` and starts the exchange timer),
 * message and timer dispatch, the client protocol (`get`, `put`, `delete` and their replies),
 * contexts, request ids, sending one phase message, and the read-only introspection hooks.
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
  type Entry,
  type Hint,
  type KeyDigest,
  type Msg,
  type NodeHash,
  type Order,
  type Stamp,
  type StoreReason,
  type Timer,
  type Version,
  type VersionVector,
} from "./types.ts";
import type { MerkleTree } from "./merkle.ts";
import { rangeOf } from "./ring.ts";
import { versionId } from "./versions.ts";

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

/** The version orders of versions.ts that the plumbing uses. */
export interface VersionOrder {
  compareStamps(a: Stamp, b: Stamp): number;
  compareVectors(a: VersionVector, b: VersionVector): Order;
  mergeVectors(a: VersionVector, b: VersionVector): VersionVector;
}

/** Disk key of a replica's versions of `key`. */
export const storeKey = (key: string) => `k:${key}`;
/** Disk key (and `hinted` key) of the hint for `forNode` about `key`. */
export const hintKey = (forNode: NodeId, key: string) => `h:${JSON.stringify([forNode, key])}`;

export abstract class KvNodePlumbing implements Node<Msg, Timer> {
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
  /**
   * Writes already coordinated here, by client and request id: a duplicate delivered late would
   * otherwise get a fresh, higher stamp and overwrite the client's later writes.
   */
  private coordinated = new Set<string>();

  /**
   * `order`: the version orders of versions.ts; `Tree`: the MerkleTree class of merkle.ts, of
   * which treeOf makes one tree per key range.
   */
  constructor(
    config: Partial<Config>,
    private readonly order: VersionOrder,
    private readonly Tree: new () => MerkleTree,
  ) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    const { n, w, r } = this.config;
    if (!(w >= 1 && w <= n && r >= 1 && r <= n)) throw new RangeError(`need 1 <= W, R <= N; got N=${n} W=${w} R=${r}`);
  }

  // ---------------------------------------------------------------- written in node.ts

  abstract newStamp(context: Context | undefined): Stamp;
  abstract newVector(context: Context | undefined): VersionVector;
  abstract reconcile(versions: readonly Version[]): Version[];
  abstract storeVersions(key: string, incoming: readonly Version[], reason: StoreReason): Version[];
  protected abstract onRead(from: NodeId, rid: string, key: string): void;
  protected abstract onStore(
    from: NodeId,
    rid: string,
    key: string,
    versions: Version[],
    reason: StoreReason,
    hintFor: NodeId | undefined,
  ): void;
  protected abstract addHint(forNode: NodeId, key: string, versions: readonly Version[]): void;
  protected abstract handOff(): void;
  protected abstract onHandoffAck(rid: string): void;
  protected abstract coordinateWrite(
    key: string,
    value: string | null,
    context: Context | undefined,
    done: (v: Version) => void,
    fail: (e: string) => void,
  ): void;
  protected abstract coordinateGet(key: string, done: (versions: Version[]) => void, fail: (e: string) => void): void;
  protected abstract writeBack(key: string, result: Version[], done: () => void, fail: (e: string) => void): void;
  protected abstract repairIfStale(
    key: string,
    node: NodeId,
    replied: readonly Version[],
    result: readonly Version[],
  ): void;
  protected abstract runPhase(
    kind: "read" | "store",
    key: string,
    versions: Version[],
    reason: StoreReason,
    onQuorum: () => void,
    onTimeout: () => void,
  ): Phase;
  abstract replicasOf(key: string): NodeId[];
  protected abstract onReply(from: NodeId, rid: string, versions: Version[]): void;
  protected abstract onRetry(rid: string): void;
  abstract nextFallback(phase: Phase): NodeId | undefined;
  protected abstract updateTree(key: string, versions: readonly Version[]): void;
  protected abstract startExchange(): void;
  protected abstract onSyncHashes(from: NodeId, range: number, level: number, hashes: NodeHash[]): void;
  protected abstract onSyncKeys(from: NodeId, range: number, leaves: Array<[number, KeyDigest[]]>): void;
  protected abstract onSyncEntries(from: NodeId, range: number, entries: Entry[], want: string[]): void;

  // ---------------------------------------------------------------- the node contract

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    if (this.config.n > env.peers.length + 1)
      throw new RangeError(`N=${this.config.n} but the cluster has ${env.peers.length + 1} nodes`);
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
    if (this.config.antiEntropy) {
      // The trees are volatile: rebuild them from the store that was just reloaded.
      for (const [key, versions] of this.store) this.updateTree(key, versions);
      // A random first delay, so the replicas do not all start their exchanges in step.
      env.setTimer(Math.floor(this.config.antiEntropyMs * (0.5 + env.random())), "anti-entropy");
    }
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
      case "syncHashes":
        return this.onSyncHashes(from, msg.range, msg.level, msg.hashes);
      case "syncKeys":
        return this.onSyncKeys(from, msg.range, msg.leaves);
      case "syncEntries":
        return this.onSyncEntries(from, msg.range, msg.entries, msg.want);
      default:
        return; // client replies are not for nodes
    }
  }

  onTimer(tag: Timer): void {
    if (tag === "handoff") {
      this.handOff();
      this.env.setTimer(this.config.handoffMs, "handoff");
    } else if (tag === "anti-entropy") {
      this.startExchange();
      this.env.setTimer(this.config.antiEntropyMs, "anti-entropy");
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

  // ---------------------------------------------------------------- anti-entropy helpers (part E)

  /** One Merkle tree per key range this replica stores keys of (volatile, rebuilt at start). */
  private trees = new Map<number, MerkleTree>();
  /** Position in syncPartners() of the next exchange (round robin). */
  protected exchangeTurn = 0;

  /** The tree of one key range, created empty on first use. */
  protected treeOf(range: number): MerkleTree {
    let tree = this.trees.get(range);
    if (!tree) this.trees.set(range, (tree = new this.Tree()));
    return tree;
  }

  /** The key range of `key` (rangeOf of ring.ts over this node and its peers). */
  protected rangeOfKey(key: string): number {
    return rangeOf(key, [this.env.id, ...this.env.peers]);
  }

  // ---------------------------------------------------------------- versions

  /** Total order of stamps (lww, abd): compareStamps of versions.ts. */
  compareStamps(a: Stamp, b: Stamp): number {
    return this.order.compareStamps(a, b);
  }

  /** Partial order of version vectors (vv): compareVectors of versions.ts. */
  compareVectors(a: VersionVector, b: VersionVector): Order {
    return this.order.compareVectors(a, b);
  }

  /** Lamport's receive rule: never issue a stamp at or below one already seen. */
  protected observe(stamp: Stamp): void {
    if (stamp.t > this.clock) this.clock = stamp.t;
  }

  /** The context a client hands back with its next put: what it has now seen. */
  protected contextOf(versions: readonly Version[]): Context {
    let stamp: Stamp | null = null;
    let vv: VersionVector = {};
    for (const v of versions) {
      if (!stamp || this.compareStamps(v.stamp, stamp) > 0) stamp = v.stamp;
      vv = this.order.mergeVectors(vv, v.vv);
    }
    return { stamp, vv };
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
      this.coordinateGet(
        req.key,
        (versions) => {
          const live = versions
            .filter((v) => v.value !== null)
            .map((v) => v.value as string)
            .sort();
          reply({ type: "getOk", id: req.id, key: req.key, values: live, context: this.contextOf(versions) });
        },
        fail,
      );
      return;
    }
    const once = `${client}/${req.id}`;
    if (this.coordinated.has(once)) return; // the first delivery answers
    this.coordinated.add(once);
    if (this.coordinated.size > 10_000) this.coordinated.delete(this.coordinated.values().next().value as string);
    const value = req.type === "put" ? req.value : null;
    this.coordinateWrite(
      req.key,
      value,
      req.context,
      (written) => {
        const context = this.contextOf([written]);
        reply(
          req.type === "put"
            ? { type: "putOk", id: req.id, key: req.key, context }
            : { type: "deleteOk", id: req.id, key: req.key, context },
        );
      },
      fail,
    );
  }

  /** Send the phase's message (read, or store with its hint) to one of its targets. */
  protected sendPhase(phase: Phase, node: NodeId): void {
    const target = phase.targets.get(node);
    if (!target) return;
    target.sends++;
    if (phase.kind === "read") this.env.send(node, { type: "read", rid: phase.rid, key: phase.key });
    else {
      const msg: Msg = {
        type: "store",
        rid: phase.rid,
        key: phase.key,
        versions: phase.versions,
        reason: phase.reason,
      };
      if (target.hintFor !== undefined) msg.hintFor = target.hintFor;
      this.env.send(node, msg);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** A request id unique across this node's restarts. */
  protected nextRid(prefix: string): string {
    return `${prefix}:${this.env.id}:${this.boot}:${++this.seq}`;
  }

  /** Whether two version lists hold the same writes (by versionId), in any order. */
  protected sameVersions(a: readonly Version[], b: readonly Version[]): boolean {
    const byVector = this.config.mode === "vv";
    if (a.length !== b.length) return false;
    const ids = new Set(a.map((v) => versionId(v, byVector)));
    return b.every((v) => ids.has(versionId(v, byVector)));
  }
}
