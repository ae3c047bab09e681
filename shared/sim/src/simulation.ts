/**
 * The discrete-event simulator. A single-threaded loop pops the next scheduled event (message
 * delivery, timer, scripted action), jumps virtual time to it and runs the one handler it
 * concerns. Everything random comes from streams of one seed, so (code, seed) fixes the run.
 *
 * This class is the public face and the run loop; the parts it wires together each hold one
 * concern: the event queue and virtual time (loop.ts), the network and its faults
 * (transport.ts, network.ts), the nodes' lives (lifecycle.ts), ground-truth causality
 * (ground-truth.ts), and the trace with the run's pending failure (journal.ts).
 */
import { Rng } from "./random.ts";
import type { LinkFaults } from "./network.ts";
import type { SimDisk } from "./disk.ts";
import { Trace, type TraceEvent, type TraceFile, type TraceMode } from "./trace.ts";
import { installGuards, realSetImmediate, type GuardOwner } from "./guards.ts";
import {
  EventBudgetExceeded,
  InvariantViolation,
  LivenessTimeout,
  type NodeFailure,
  SimulationError,
} from "./errors.ts";
import type { Node, NodeFactory, NodeId } from "./types.ts";
import { ClientEndpoint } from "./client.ts";
import { StormMeter, type StormLimits, type StormPeaks } from "./storm.ts";
import { queueLimits, type QueueLimits } from "./limits.ts";
import { EventLoop, type DeliverEvent, type SimEvent } from "./loop.ts";
import { Endpoints } from "./endpoints.ts";
import { GroundTruth } from "./ground-truth.ts";
import { Journal, type NoteKind } from "./journal.ts";
import { deliverEvent, receivedMessage, Transport } from "./transport.ts";
import { NodeLifecycle, type HandlerProbe, type NodeSlot } from "./lifecycle.ts";

export type { HandlerProbe } from "./lifecycle.ts";

export interface SimulationOptions<M = unknown, T = string> {
  /** The run's seed; everything random derives from it. */
  seed: number;
  /** Node ids, or a count (ids n1..nN). */
  nodes: number | readonly NodeId[];
  /** Client endpoints driven by test code, or a count (ids c1..cN). */
  clients?: number | readonly NodeId[];
  factory: NodeFactory<M, T>;
  /** Global link faults at time 0. */
  faults?: Partial<LinkFaults>;
  /** Initial clock offset (ms) and drift rate per node. */
  clocks?: Record<NodeId, { offset?: number; drift?: number }>;
  /** Explicit limit on processed events; exceeding it stops the run loudly. */
  maxEvents?: number;
  trace?: TraceMode;
  traceWindow?: number;
  /** Trap Math.random, Date.now, real timers inside handlers (default true). */
  guards?: boolean;
  /** Called when a handler starts and ends; a watchdog in another thread can read it. */
  probe?: HandlerProbe;
  /** Stop the run at the first node failure (default true); else the node just crashes. */
  stopOnNodeFailure?: boolean;
  /** Storm limits per second of virtual time (storm.ts); none by default. */
  limits?: Partial<StormLimits>;
  /** Bounds on the queues a run keeps (limits.ts); generous defaults. */
  queueLimits?: Partial<QueueLimits>;
}

/** Counters of a run, for RPC-count bounds and benchmarks. */
export interface SimStats {
  events: number;
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  /** Messages sent, by sender and message `type` field ("n1:AppendEntries"). */
  sentByType: Map<string, number>;
  bytesSent: number;
}

// biome-ignore lint/suspicious/noConfusingVoidType: an invariant may be a block that returns nothing when it holds
type Invariant = { name: string; check: () => string | undefined | void | false | null };

const DEFAULT_MAX_EVENTS = 5_000_000;

export class Simulation<M = unknown, T = string> implements GuardOwner {
  readonly seed: number;
  readonly nodeIds: readonly NodeId[];
  readonly clientIds: readonly NodeId[];
  /** Nodes then clients: the index order of ground-truth vector clocks. */
  readonly endpoints: readonly NodeId[];
  readonly trace: Trace;
  readonly stats: SimStats;
  /** Node failures recorded so far (handler throws, nondeterminism). */
  readonly failures: NodeFailure[] = [];
  /** The nemesis's own stream, for seeded fault schedules. */
  readonly nemesisRng: Rng;
  /** A stream for workloads (client choices), independent of nodes and network. */
  readonly workloadRng: Rng;

  private readonly ends: Endpoints;
  private readonly loop: EventLoop;
  private readonly journal: Journal;
  private readonly truth: GroundTruth;
  private readonly network: Transport;
  private readonly nodes: NodeLifecycle<M, T>;
  /** By endpoint index minus the node count. */
  private readonly clients: Array<ClientEndpoint<M>>;
  /** Sends per sender and message type; flattened lazily into stats.sentByType. */
  private readonly sentCounts = new Map<NodeId, Map<string, number>>();
  private readonly invariants: Invariant[] = [];
  private readonly maxEvents: number;
  private readonly guardsOn: boolean;
  private readonly storm: StormMeter;

  private needFlush = false;
  private started = false;

  constructor(opts: SimulationOptions<M, T>) {
    if (!Number.isInteger(opts.seed)) throw new TypeError(`seed must be an integer, got ${opts.seed}`);
    this.seed = opts.seed;
    const counts = this.sentCounts;
    this.stats = {
      events: 0,
      sent: 0,
      delivered: 0,
      dropped: 0,
      duplicated: 0,
      bytesSent: 0,
      get sentByType() {
        const flat = new Map<string, number>();
        for (const [from, byType] of counts) for (const [type, n] of byType) flat.set(`${from}:${type}`, n);
        return flat;
      },
    };
    this.ends = new Endpoints(opts.nodes, opts.clients);
    this.nodeIds = this.ends.nodes;
    this.clientIds = this.ends.clients;
    this.endpoints = this.ends.all;
    const limits = queueLimits(opts.queueLimits);
    this.trace = new Trace(this.endpoints, opts.trace ?? "full", opts.traceWindow);
    this.loop = new EventLoop(limits.pendingEvents, (err) => this.journal.fail(err));
    this.journal = new Journal(this.trace, this.loop);
    this.truth = new GroundTruth(this.endpoints.length);
    this.nemesisRng = new Rng(opts.seed, "nemesis");
    this.workloadRng = new Rng(opts.seed, "workload");
    this.maxEvents = opts.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.guardsOn = opts.guards ?? true;
    this.storm = new StormMeter(this.nodeIds, opts.limits, (id) => this.sentCounts.get(id));
    this.network = new Transport({
      endpoints: this.ends,
      loop: this.loop,
      journal: this.journal,
      truth: this.truth,
      counters: this.stats,
      sentByType: this.sentCounts,
      storm: this.storm,
      rng: new Rng(opts.seed, "network"),
      limits,
      arrived: (e) => this.arrived(e),
    });
    if (opts.faults) this.network.faults.setGlobal(opts.faults);
    this.nodes = new NodeLifecycle<M, T>({
      ids: this.nodeIds,
      seed: opts.seed,
      clocks: opts.clocks,
      factory: opts.factory,
      loop: this.loop,
      journal: this.journal,
      truth: this.truth,
      transport: this.network,
      counters: this.stats,
      storm: this.storm,
      probe: opts.probe,
      stopOnNodeFailure: opts.stopOnNodeFailure ?? true,
      limits,
      failures: this.failures,
    });
    this.clients = this.clientIds.map((id) => new ClientEndpoint<M>(this as never, id));
  }

  // ---------------------------------------------------------------- time and running

  /** Current virtual (true) time in ms. */
  get now(): number {
    return this.loop.now;
  }

  /** Boot every node (start(env) in id order at t=0). Called implicitly by the first run. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const uninstall = this.guardsOn ? installGuards(this) : () => {};
    try {
      for (const slot of this.nodes.slots) this.nodes.boot(slot, "start");
    } finally {
      uninstall();
    }
    this.journal.throwPending();
  }

  /** Run for `ms` of virtual time. */
  async runFor(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`runFor needs ms >= 0, got ${ms}`);
    await this.runUntil(() => false, { maxMs: ms });
  }

  /**
   * Run until `predicate` holds (checked after every step) or `maxMs` of virtual time pass.
   * Resolves to whether the predicate held.
   */
  async runUntil(predicate: () => boolean, opts: { maxMs: number }): Promise<boolean> {
    if (!(opts.maxMs >= 0)) throw new RangeError(`runUntil needs maxMs >= 0, got ${opts.maxMs}`);
    this.start();
    const deadline = this.loop.now + opts.maxMs;
    if (predicate()) return true;
    let uninstall = this.guardsOn ? installGuards(this) : () => {};
    try {
      for (;;) {
        const next = this.loop.next(deadline);
        if (next === undefined) {
          this.loop.advanceTo(deadline);
          return predicate();
        }
        this.dispatch(next);
        this.afterStep();
        if (this.needFlush) {
          this.needFlush = false;
          uninstall();
          // Let client workloads continue (their promises resolved during this step).
          await new Promise<void>((r) => realSetImmediate(r));
          uninstall = this.guardsOn ? installGuards(this) : () => {};
          this.afterStep();
        }
        if (predicate()) return true;
      }
    } finally {
      uninstall();
    }
  }

  /**
   * Like runUntil, but a miss is a LivenessTimeout naming `what`. Pass a function to describe
   * the cluster as it is at the deadline ("no leader: n1 follower in term 7, n2 ...").
   */
  async require(predicate: () => boolean, what: string | (() => string), withinMs: number): Promise<void> {
    const ok = await this.runUntil(predicate, { maxMs: withinMs });
    if (!ok) throw new LivenessTimeout(typeof what === "function" ? what() : what, withinMs, this.loop.now);
  }

  /** Schedule grader code at absolute virtual time `t` (a nemesis step, a check, a workload). */
  at(t: number, label: string, fn: () => void): void {
    if (!(t >= this.loop.now))
      throw new RangeError(`cannot schedule "${label}" at t=${t} ms: it is already t=${this.loop.now} ms`);
    this.loop.push({ t, seq: this.loop.nextSeq(), type: "action", label, fn });
  }

  /** Schedule grader code `ms` from now. */
  after(ms: number, label: string, fn: () => void): void {
    this.at(this.loop.now + Math.max(0, ms), label, fn);
  }

  /** Check `check` after every step; returning a string (what is wrong) stops the run. */
  addInvariant(name: string, check: Invariant["check"]): void {
    this.invariants.push({ name, check });
  }

  /** Receive every trace event as it is recorded (also in trace mode "off"). */
  onEvent(hook: (e: TraceEvent) => void): void {
    this.journal.onEvent(hook);
  }

  /** Start an async client workload now; its errors stop the run. */
  spawn(label: string, workload: () => Promise<unknown>): Promise<void> {
    const p = workload().then(
      () => undefined,
      (err: unknown) =>
        this.journal.fail(err instanceof Error ? err : new Error(`workload ${label} failed: ${String(err)}`)),
    );
    this.needFlush = true;
    return p;
  }

  // ---------------------------------------------------------------- introspection

  /** The current instance of node `id` (undefined while crashed); read-only hooks for graders. */
  node<N = Node<M, T>>(id: NodeId): N | undefined {
    return this.slot(id).instance as N | undefined;
  }

  /** Every node instance that is up, by id. */
  liveNodes<N = Node<M, T>>(): Array<[NodeId, N]> {
    const out: Array<[NodeId, N]> = [];
    for (const s of this.nodes.slots) if (s.up && s.instance) out.push([s.id, s.instance as N]);
    return out;
  }

  isUp(id: NodeId): boolean {
    return this.slot(id).up;
  }

  isPaused(id: NodeId): boolean {
    return this.slot(id).paused;
  }

  /** The durable image of a node's disk (what a restart would read). */
  diskOf(id: NodeId): SimDisk {
    return this.slot(id).disk;
  }

  /** A node's local clock reading right now. */
  localTime(id: NodeId): number {
    return this.slot(id).clock.local(this.loop.now);
  }

  client(id: NodeId): ClientEndpoint<M> {
    const i = this.ends.find(id);
    const c = i === undefined ? undefined : this.clients[i - this.nodeIds.length];
    if (!c) throw new RangeError(`unknown client "${id}"; clients: ${this.clientIds.join(", ") || "(none)"}`);
    return c;
  }

  /** Ground-truth vector clock of an endpoint right now (copy). */
  vectorClock(id: NodeId): number[] {
    return this.truth.of(this.ends.indexOf(id));
  }

  // ---------------------------------------------------------------- faults

  setFaults(f: Partial<LinkFaults>): void {
    this.network.setFaults(f);
  }

  setNodeFaults(id: NodeId, f: Partial<LinkFaults> | undefined): void {
    this.network.setNodeFaults(id, f);
  }

  setLinkFaults(from: NodeId, to: NodeId, f: Partial<LinkFaults> | undefined): void {
    this.network.setLinkFaults(from, to, f);
  }

  /** The faults in force on the link from -> to. */
  linkFaults(from: NodeId, to: NodeId): LinkFaults {
    return this.network.faults.faults(from, to);
  }

  /**
   * Split endpoints into groups that cannot talk to each other (both directions). Endpoints
   * in no group keep every link. Replaces earlier partitions and blocks.
   */
  partition(...groups: NodeId[][]): void {
    this.network.partition(groups);
  }

  /** Cut every link of `id` (to and from nodes and clients). */
  isolate(id: NodeId): void {
    this.network.isolate(id);
  }

  /** Reconnect `id` to everyone (undoes isolate and any block touching it). */
  reconnect(id: NodeId): void {
    this.network.reconnect(id);
  }

  /** One-way partition: messages from -> to are lost, to -> from still flow. */
  blockOneWay(from: NodeId, to: NodeId): void {
    this.network.blockOneWay(from, to);
  }

  unblockOneWay(from: NodeId, to: NodeId): void {
    this.network.unblockOneWay(from, to);
  }

  /** Hold every message on from -> to (nothing is lost) until `unclog`. */
  clog(from: NodeId, to: NodeId): void {
    this.network.clog(from, to);
  }

  /** Release a clogged link: held messages leave now, each with a fresh delay. */
  unclog(from: NodeId, to: NodeId): void {
    this.network.unclog(from, to);
  }

  /** Remove all partitions, blocks and clogs (held messages are released). */
  heal(): void {
    this.network.heal();
  }

  /** Heal the network, zero loss and duplication, resume paused and restart crashed nodes. */
  healAll(): void {
    this.network.heal();
    this.network.resetRates();
    for (const s of this.nodes.slots) {
      if (s.paused) this.resume(s.id);
      if (!s.up) this.restart(s.id);
    }
  }

  /** Liveness phase: heal everything, then require `predicate` within `withinMs`. */
  async liveness(predicate: () => boolean, what: string | (() => string), withinMs: number): Promise<void> {
    this.healAll();
    await this.require(predicate, what, withinMs);
  }

  /** Kill a node: volatile state and unsynced disk writes are gone; in-flight messages to it are lost. */
  crash(id: NodeId): void {
    this.nodes.crash(this.slot(id));
  }

  /** Boot a crashed node again: a fresh instance, start(env) with its durable disk. */
  restart(id: NodeId): void {
    this.nodes.restart(this.slot(id));
  }

  /** Freeze a node: it runs nothing; messages and timers queue until resume (timers fire late). */
  pause(id: NodeId): void {
    this.nodes.pause(this.slot(id));
  }

  resume(id: NodeId): void {
    this.nodes.resume(this.slot(id));
  }

  /** Set a node's clock offset (local = true time + offset) and optionally its drift rate. */
  setClock(id: NodeId, c: { offset?: number; drift?: number }): void {
    this.nodes.setClock(this.slot(id), c);
  }

  /** Jump a node's clock by `deltaMs` (negative = backwards). Timers are not affected. */
  clockJump(id: NodeId, deltaMs: number): void {
    this.nodes.clockJump(this.slot(id), deltaMs);
  }

  /** Write a note into the trace (shown in views; not part of any node's causality). */
  note(kind: NoteKind, node: NodeId, text: string): void {
    this.journal.note(kind, node, text);
  }

  /** The storm limits in force. */
  get limits(): Readonly<StormLimits> {
    return this.storm.limits;
  }

  /** The highest per-second rates and backlog this run reached (to measure limits against). */
  stormPeaks(): StormPeaks {
    return this.storm.peaks();
  }

  // ---------------------------------------------------------------- trace export

  toTraceFile(violation?: TraceFile["violation"]): TraceFile {
    return {
      format: "faultline-trace/1",
      seed: this.seed,
      nodes: [...this.nodeIds],
      clients: [...this.clientIds],
      endpoints: [...this.endpoints],
      hash: this.trace.hash(),
      eventCount: this.trace.count,
      truncated: this.trace.truncated,
      ...(violation ? { violation } : {}),
      events: this.trace.list(),
    };
  }

  // ---------------------------------------------------------------- GuardOwner

  currentHandler(): string | undefined {
    return this.nodes.currentHandler();
  }

  nondeterminism(api: string): void {
    this.nodes.nondeterminism(api);
  }

  // ---------------------------------------------------------------- internals used by clients

  /** @internal Send from a client endpoint. */
  clientSend(from: NodeId, to: NodeId, msg: M): void {
    this.network.send(from, to, msg);
  }

  /** @internal Schedule a client wake-up (sleep, receive timeout). */
  clientTimer(ms: number, label: string, fn: () => void): void {
    this.loop.push({
      t: this.loop.now + Math.max(0, ms),
      seq: this.loop.nextSeq(),
      type: "action",
      label,
      fn: () => {
        fn();
        this.needFlush = true;
      },
    });
  }

  /** @internal A client received a message or woke: its workload must get to run. */
  wakeClients(): void {
    this.needFlush = true;
  }

  // ---------------------------------------------------------------- internals

  private slot(id: NodeId): NodeSlot<M, T> {
    const s = this.nodes.get(id);
    // Asking about or acting on a node boots the cluster first, so crash("n1") before the
    // first run means "crash the running n1", not "n1 is already down".
    if (!this.started) this.start();
    return s;
  }

  private dispatch(e: SimEvent): void {
    this.stats.events++;
    if (this.stats.events > this.maxEvents)
      throw new EventBudgetExceeded(this.maxEvents, this.loop.now, this.busiest());
    const storm = this.storm.event(this.loop.now, this.loop.pending);
    if (storm) throw storm;
    if (e.type === "deliver") this.network.arrive(e);
    else if (e.type === "timer") this.nodes.timerDue(e);
    else e.fn();
  }

  /** A message got through the network to its endpoint: a node, or a client of the test. */
  private arrived(e: DeliverEvent): void {
    if (this.ends.isNode(e.toIndex)) {
      this.nodes.receive(e);
      return;
    }
    const client = this.clients[e.toIndex - this.nodeIds.length] as ClientEndpoint<M>;
    this.stats.delivered++;
    const vc = this.truth.receive(e.toIndex, e.vc);
    this.journal.record(deliverEvent(e, this.loop.now, vc), e.payloadHash);
    client.accept(e.from, receivedMessage(e) as M);
  }

  private afterStep(): void {
    this.journal.throwPending();
    this.checkInvariants();
  }

  private checkInvariants(): void {
    for (const inv of this.invariants) {
      const r = inv.check();
      if (typeof r === "string" && r.length > 0) {
        const err = new InvariantViolation(inv.name, r, this.loop.now, this.trace.count - 1);
        this.journal.record({ i: 0, t: this.loop.now, kind: "log", node: "net", text: `VIOLATION ${inv.name}: ${r}` });
        throw err;
      }
    }
  }

  private busiest(): string {
    const top = [...this.stats.sentByType.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    return top.map(([k, v]) => `${k} x${v}`).join(", ") || "timers";
  }
}

export { SimulationError };
