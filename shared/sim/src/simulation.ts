/**
 * The discrete-event simulator. A single-threaded loop pops the next scheduled event (message
 * delivery, timer, scripted action), jumps virtual time to it and runs the one handler it
 * concerns. Everything random comes from streams of one seed, so (code, seed) fixes the run.
 */
import { Rng } from "./random.ts";
import { EventHeap } from "./heap.ts";
import { NetworkFaults, sampleDelay, type LinkFaults } from "./network.ts";
import { SimDisk } from "./disk.ts";
import { NodeClock } from "./clock.ts";
import { hashPayload, materialize, Trace, type TraceEvent, type TraceFile, type TraceMode } from "./trace.ts";
import { installGuards, realSetImmediate, NondeterminismError, type GuardOwner } from "./guards.ts";
import { EventBudgetExceeded, InvariantViolation, LivenessTimeout, NodeFailure, SimulationError } from "./errors.ts";
import type { Env, Node, NodeFactory, NodeId, TimerHandle } from "./types.ts";
import { ClientEndpoint } from "./client.ts";
import { freezeMessage, MessageShapeError, thawMessage } from "./message.ts";
import { StormMeter, type StormDetected, type StormLimits, type StormPeaks } from "./storm.ts";

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
}

export interface HandlerProbe {
  enter(node: NodeId, handler: string, t: number): void;
  exit(): void;
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

type Invariant = { name: string; check: () => string | undefined | void | false | null };

interface DeliverEvent {
  t: number;
  seq: number;
  type: "deliver";
  from: NodeId;
  to: NodeId;
  /** The frozen canonical copy made at send; each delivery thaws its own copy. */
  frozen: unknown;
  /** The message as JSON text instead, when a node run elsewhere sent it as text (sendText). */
  text?: string;
  /** Content hash of the message, computed once at send. */
  payloadHash: number;
  msgId: number;
  vc: number[] | undefined;
  msgType: string;
}
interface TimerEvent {
  t: number;
  seq: number;
  type: "timer";
  node: NodeId;
  incarnation: number;
  handle: TimerHandle;
  tag: unknown;
}
interface ActionEvent {
  t: number;
  seq: number;
  type: "action";
  label: string;
  fn: () => void;
}
type QEvent = DeliverEvent | TimerEvent | ActionEvent;

/** Runtime state of one node across incarnations. */
interface NodeSlot<M, T> {
  id: NodeId;
  index: number;
  incarnation: number;
  up: boolean;
  paused: boolean;
  pausedQueue: Array<DeliverEvent | TimerEvent>;
  instance: Node<M, T> | undefined;
  disk: SimDisk;
  clock: NodeClock;
  rng: Rng;
  timers: Set<TimerHandle>;
  handled: number;
}

const DEFAULT_MAX_EVENTS = 5_000_000;

function ids(spec: number | readonly NodeId[] | undefined, prefix: string): NodeId[] {
  if (spec === undefined) return [];
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 0 || spec > 1000) throw new RangeError(`need 0..1000 ${prefix === "n" ? "nodes" : "clients"}, got ${spec}`);
    return Array.from({ length: spec }, (_, i) => `${prefix}${i + 1}`);
  }
  return [...spec];
}

function describeTag(tag: unknown): string {
  return typeof tag === "string" ? tag : JSON.stringify(tag);
}

export class Simulation<M = unknown, T = string> implements GuardOwner {
  readonly seed: number;
  readonly nodeIds: readonly NodeId[];
  readonly clientIds: readonly NodeId[];
  /** Nodes then clients: the index order of ground-truth vector clocks. */
  readonly endpoints: readonly NodeId[];
  readonly trace: Trace;
  readonly stats: SimStats;
  /** Sends per sender and message type; flattened lazily into stats.sentByType. */
  private readonly sentCounts = new Map<NodeId, Map<string, number>>();
  /** Node failures recorded so far (handler throws, nondeterminism). */
  readonly failures: NodeFailure[] = [];

  private readonly factory: NodeFactory<M, T>;
  private readonly slots = new Map<NodeId, NodeSlot<M, T>>();
  private readonly clients = new Map<NodeId, ClientEndpoint<M>>();
  private readonly index = new Map<NodeId, number>();
  private readonly vcs: number[][];
  private readonly heap = new EventHeap<QEvent>();
  private readonly held = new Map<string, DeliverEvent[]>();
  private readonly net = new NetworkFaults();
  private readonly netRng: Rng;
  /** The nemesis's own stream, for seeded fault schedules. */
  readonly nemesisRng: Rng;
  /** A stream for workloads (client choices), independent of nodes and network. */
  readonly workloadRng: Rng;
  private readonly invariants: Invariant[] = [];
  private readonly eventHooks: Array<(e: TraceEvent) => void> = [];
  private readonly maxEvents: number;
  private readonly guardsOn: boolean;
  private readonly probe: HandlerProbe | undefined;
  private readonly stopOnNodeFailure: boolean;
  private readonly storm: StormMeter;

  private seq = 0;
  private msgSeq = 0;
  private timerSeq = 0;
  private time = 0;
  private running: NodeSlot<M, T> | undefined;
  private runningWhat = "";
  private pending: SimulationError | Error | undefined;
  private needFlush = false;
  private started = false;

  constructor(opts: SimulationOptions<M, T>) {
    if (!Number.isInteger(opts.seed)) throw new TypeError(`seed must be an integer, got ${opts.seed}`);
    this.seed = opts.seed;
    this.factory = opts.factory;
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
    this.nodeIds = ids(opts.nodes, "n");
    this.clientIds = ids(opts.clients, "c");
    this.endpoints = [...this.nodeIds, ...this.clientIds];
    if (this.nodeIds.length === 0) throw new RangeError("a simulation needs at least one node");
    if (new Set(this.endpoints).size !== this.endpoints.length) throw new RangeError(`endpoint ids must be unique: ${this.endpoints.join(", ")}`);
    this.endpoints.forEach((id, i) => this.index.set(id, i));
    this.vcs = this.endpoints.map(() => new Array<number>(this.endpoints.length).fill(0));
    this.trace = new Trace(this.endpoints, opts.trace ?? "full", opts.traceWindow);
    this.netRng = new Rng(opts.seed, "network");
    this.nemesisRng = new Rng(opts.seed, "nemesis");
    this.workloadRng = new Rng(opts.seed, "workload");
    this.maxEvents = opts.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.guardsOn = opts.guards ?? true;
    this.probe = opts.probe;
    this.stopOnNodeFailure = opts.stopOnNodeFailure ?? true;
    this.storm = new StormMeter(this.nodeIds, opts.limits, (id) => this.sentCounts.get(id));
    if (opts.faults) this.net.setGlobal(opts.faults);
    for (const id of this.nodeIds) {
      const c = opts.clocks?.[id];
      this.slots.set(id, {
        id,
        index: this.index.get(id) as number,
        incarnation: 0,
        up: false,
        paused: false,
        pausedQueue: [],
        instance: undefined,
        disk: new SimDisk(),
        clock: new NodeClock(c?.offset ?? 0, c?.drift ?? 0),
        rng: new Rng(opts.seed, `node:${id}`),
        timers: new Set(),
        handled: 0,
      });
    }
    for (const id of this.clientIds) this.clients.set(id, new ClientEndpoint<M>(this as never, id));
  }

  // ---------------------------------------------------------------- time and running

  /** Current virtual (true) time in ms. */
  get now(): number {
    return this.time;
  }

  /** Boot every node (start(env) in id order at t=0). Called implicitly by the first run. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const uninstall = this.guardsOn ? installGuards(this) : () => {};
    try {
      for (const slot of this.slots.values()) this.boot(slot, "start");
    } finally {
      uninstall();
    }
    this.throwPending();
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
    const deadline = this.time + opts.maxMs;
    if (predicate()) return true;
    let uninstall = this.guardsOn ? installGuards(this) : () => {};
    try {
      for (;;) {
        const next = this.heap.peek();
        if (next === undefined || next.t > deadline) {
          this.time = deadline;
          return predicate();
        }
        this.heap.pop();
        this.time = next.t;
        this.dispatch(next);
        this.afterStep();
        if (this.needFlush) {
          this.needFlush = false;
          uninstall();
          // Let client workloads continue (their promises resolved during this step).
          await new Promise<void>((r) => realSetImmediate(r));
          uninstall = this.guardsOn ? installGuards(this) : () => {};
          this.throwPending();
          this.checkInvariants();
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
    if (!ok) throw new LivenessTimeout(typeof what === "function" ? what() : what, withinMs, this.time);
  }

  /** Schedule grader code at absolute virtual time `t` (a nemesis step, a check, a workload). */
  at(t: number, label: string, fn: () => void): void {
    if (!(t >= this.time)) throw new RangeError(`cannot schedule "${label}" at t=${t} ms: it is already t=${this.time} ms`);
    this.heap.push({ t, seq: this.seq++, type: "action", label, fn });
  }

  /** Schedule grader code `ms` from now. */
  after(ms: number, label: string, fn: () => void): void {
    this.at(this.time + Math.max(0, ms), label, fn);
  }

  /** Check `check` after every step; returning a string (what is wrong) stops the run. */
  addInvariant(name: string, check: Invariant["check"]): void {
    this.invariants.push({ name, check });
  }

  /** Receive every trace event as it is recorded (also in trace mode "off"). */
  onEvent(hook: (e: TraceEvent) => void): void {
    this.eventHooks.push(hook);
  }

  /** Start an async client workload now; its errors stop the run. */
  spawn(label: string, workload: () => Promise<unknown>): Promise<void> {
    const p = workload().then(
      () => undefined,
      (err: unknown) => {
        if (!this.pending) this.pending = err instanceof Error ? err : new Error(`workload ${label} failed: ${String(err)}`);
      },
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
    for (const s of this.slots.values()) if (s.up && s.instance) out.push([s.id, s.instance as N]);
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
    return this.slot(id).clock.local(this.time);
  }

  client(id: NodeId): ClientEndpoint<M> {
    const c = this.clients.get(id);
    if (!c) throw new RangeError(`unknown client "${id}"; clients: ${this.clientIds.join(", ") || "(none)"}`);
    return c;
  }

  /** Ground-truth vector clock of an endpoint right now (copy). */
  vectorClock(id: NodeId): number[] {
    return (this.vcs[this.indexOf(id)] as number[]).slice();
  }

  // ---------------------------------------------------------------- faults

  setFaults(f: Partial<LinkFaults>): void {
    this.net.setGlobal(f);
    this.note("net", "net", `faults ${JSON.stringify(f)}`);
  }

  setNodeFaults(id: NodeId, f: Partial<LinkFaults> | undefined): void {
    this.indexOf(id);
    this.net.setNode(id, f);
    this.note("net", id, f ? `node faults ${JSON.stringify(f)}` : "node faults cleared");
  }

  setLinkFaults(from: NodeId, to: NodeId, f: Partial<LinkFaults> | undefined): void {
    this.indexOf(from);
    this.indexOf(to);
    this.net.setLink(from, to, f);
    this.note("net", from, f ? `link ${from}->${to} faults ${JSON.stringify(f)}` : `link ${from}->${to} faults cleared`);
  }

  /** The faults in force on the link from -> to. */
  linkFaults(from: NodeId, to: NodeId): LinkFaults {
    return this.net.faults(from, to);
  }

  /**
   * Split endpoints into groups that cannot talk to each other (both directions). Endpoints
   * in no group keep every link. Replaces earlier partitions and blocks.
   */
  partition(...groups: NodeId[][]): void {
    this.net.clearBlocks();
    const group = new Map<NodeId, number>();
    groups.forEach((g, gi) =>
      g.forEach((id) => {
        this.indexOf(id);
        if (group.has(id)) throw new RangeError(`${id} is in two partition groups`);
        group.set(id, gi);
      }),
    );
    for (const [a, ga] of group) for (const [b, gb] of group) if (ga !== gb) this.net.block(a, b);
    this.note("net", "net", `partition ${groups.map((g) => `[${g.join(" ")}]`).join(" | ")}`);
  }

  /** Cut every link of `id` (to and from nodes and clients). */
  isolate(id: NodeId): void {
    this.indexOf(id);
    for (const other of this.endpoints) {
      if (other === id) continue;
      this.net.block(id, other);
      this.net.block(other, id);
    }
    this.note("net", id, `isolate ${id}`);
  }

  /** Reconnect `id` to everyone (undoes isolate and any block touching it). */
  reconnect(id: NodeId): void {
    this.indexOf(id);
    for (const other of this.endpoints) {
      this.net.unblock(id, other);
      this.net.unblock(other, id);
    }
    this.note("net", id, `reconnect ${id}`);
  }

  /** One-way partition: messages from -> to are lost, to -> from still flow. */
  blockOneWay(from: NodeId, to: NodeId): void {
    this.indexOf(from);
    this.indexOf(to);
    this.net.block(from, to);
    this.note("net", from, `block ${from}->${to}`);
  }

  unblockOneWay(from: NodeId, to: NodeId): void {
    this.net.unblock(from, to);
    this.note("net", from, `unblock ${from}->${to}`);
  }

  /** Hold every message on from -> to (nothing is lost) until `unclog`. */
  clog(from: NodeId, to: NodeId): void {
    this.indexOf(from);
    this.indexOf(to);
    this.net.clog(from, to);
    this.note("net", from, `clog ${from}->${to}`);
  }

  /** Release a clogged link: held messages leave now, each with a fresh delay. */
  unclog(from: NodeId, to: NodeId): void {
    this.net.unclog(from, to);
    const key = `${from}\u0000${to}`;
    const held = this.held.get(key) ?? [];
    this.held.delete(key);
    for (const e of held) this.reschedule(e);
    this.note("net", from, `unclog ${from}->${to} (${held.length} held)`);
  }

  /** Remove all partitions, blocks and clogs (held messages are released). */
  heal(): void {
    this.net.clearBlocks();
    this.net.clearClogs();
    const held = [...this.held.values()].flat().sort((a, b) => a.seq - b.seq);
    this.held.clear();
    for (const e of held) this.reschedule(e);
    this.note("net", "net", "heal");
  }

  /** Heal the network, zero loss and duplication, resume paused and restart crashed nodes. */
  healAll(): void {
    this.heal();
    const delay = this.net.faults("\u0000", "\u0000").delay;
    this.net.resetFaults();
    this.net.setGlobal({ delay });
    for (const s of this.slots.values()) {
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
    const s = this.slot(id);
    if (!s.up) throw new Error(`crash(${id}): ${id} is already down`);
    this.kill(s, "crash");
  }

  /** Boot a crashed node again: a fresh instance, start(env) with its durable disk. */
  restart(id: NodeId): void {
    const s = this.slot(id);
    if (s.up) throw new Error(`restart(${id}): ${id} is up; crash it first`);
    this.started = true;
    this.boot(s, "restart");
  }

  /** Freeze a node: it runs nothing; messages and timers queue until resume (timers fire late). */
  pause(id: NodeId): void {
    const s = this.slot(id);
    if (!s.up) throw new Error(`pause(${id}): ${id} is down`);
    if (s.paused) return;
    s.paused = true;
    this.note("pause", id, `pause ${id}`);
  }

  resume(id: NodeId): void {
    const s = this.slot(id);
    if (!s.paused) return;
    s.paused = false;
    const queued = s.pausedQueue;
    s.pausedQueue = [];
    this.note("resume", id, `resume ${id} (${queued.length} queued)`);
    for (const e of queued) {
      if (!s.up || s.paused) break;
      if (e.type === "deliver") this.deliver(e);
      else this.fireTimer(e);
    }
  }

  /** Set a node's clock offset (local = true time + offset) and optionally its drift rate. */
  setClock(id: NodeId, c: { offset?: number; drift?: number }): void {
    const s = this.slot(id);
    if (c.offset !== undefined) s.clock.setOffset(this.time, c.offset);
    if (c.drift !== undefined) s.clock.setDrift(this.time, c.drift);
    this.note("clock", id, `clock ${id} ${JSON.stringify(c)} -> local ${s.clock.local(this.time).toFixed(3)}`);
  }

  /** Jump a node's clock by `deltaMs` (negative = backwards). Timers are not affected. */
  clockJump(id: NodeId, deltaMs: number): void {
    const s = this.slot(id);
    s.clock.jump(this.time, deltaMs);
    this.note("clock", id, `clock ${id} jumps ${deltaMs} ms -> local ${s.clock.local(this.time).toFixed(3)}`);
  }

  /** Write a note into the trace (shown in views; not part of any node's causality). */
  note(kind: "net" | "clock" | "pause" | "resume" | "log", node: NodeId, text: string): void {
    this.record({ i: 0, t: this.time, kind, node, text });
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
    return this.running ? `${this.running.id} ${this.runningWhat}` : undefined;
  }

  nondeterminism(api: string): void {
    const s = this.running;
    if (!s) return;
    const f = new NodeFailure(s.id, this.time, this.runningWhat, new NondeterminismError(api, `${s.id} ${this.runningWhat}`), "nondeterminism");
    this.failures.push(f);
    if (this.stopOnNodeFailure && !this.pending) this.pending = f;
  }

  // ---------------------------------------------------------------- internals used by clients

  /** @internal Send from a client endpoint. */
  clientSend(from: NodeId, to: NodeId, msg: M): void {
    this.transmit(from, to, msg);
  }

  /** @internal Schedule a client wake-up (sleep, receive timeout). */
  clientTimer(ms: number, label: string, fn: () => void): void {
    this.heap.push({ t: this.time + Math.max(0, ms), seq: this.seq++, type: "action", label, fn: () => {
      fn();
      this.needFlush = true;
    } });
  }

  /** @internal A client received a message or woke: its workload must get to run. */
  wakeClients(): void {
    this.needFlush = true;
  }

  // ---------------------------------------------------------------- internals

  private slot(id: NodeId): NodeSlot<M, T> {
    const s = this.slots.get(id);
    if (!s) throw new RangeError(`unknown node "${id}"; nodes: ${this.nodeIds.join(", ")}`);
    // Asking about or acting on a node boots the cluster first, so crash("n1") before the
    // first run means "crash the running n1", not "n1 is already down".
    if (!this.started) this.start();
    return s;
  }

  private indexOf(id: NodeId): number {
    const i = this.index.get(id);
    if (i === undefined) throw new RangeError(`unknown endpoint "${id}"; known: ${this.endpoints.join(", ")}`);
    return i;
  }

  private record(e: TraceEvent, payloadHash?: number): void {
    e.i = this.trace.count;
    if (this.eventHooks.length > 0) materialize(e);
    this.trace.record(e, payloadHash);
    for (const h of this.eventHooks) {
      // A hook is grader code: its failure must not be blamed on the node whose event it saw.
      try {
        h(e);
      } catch (err) {
        if (!this.pending) this.pending = err instanceof Error ? err : new Error(String(err));
      }
    }
  }

  private tick(index: number): number[] {
    const vc = this.vcs[index] as number[];
    vc[index] = (vc[index] as number) + 1;
    return vc.slice();
  }

  /** A node's env; `sendText` is for nodes run elsewhere (see Node.onMessageText), not in Env. */
  private makeEnv(s: NodeSlot<M, T>): Env<M, T> & { sendText(to: NodeId, text: string): void } {
    const inc = s.incarnation;
    const alive = () => s.up && s.incarnation === inc;
    const peers = Object.freeze(this.nodeIds.filter((x) => x !== s.id));
    return {
      id: s.id,
      peers,
      send: (to: NodeId, msg: M) => {
        if (!alive()) return;
        this.transmit(s.id, to, msg);
      },
      sendText: (to: NodeId, text: string) => {
        if (!alive()) return;
        this.transmitText(s.id, to, text);
      },
      now: () => s.clock.local(this.time),
      setTimer: (ms: number, tag: T) => {
        if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw new RangeError(`${s.id}: env.setTimer needs a finite ms >= 0, got ${String(ms)}`);
        const handle = ++this.timerSeq;
        if (!alive()) return handle;
        s.timers.add(handle);
        this.stormed(this.storm.timerSet(s.index, this.time));
        const t = this.time + Math.round(s.clock.trueDuration(ms) * 1000) / 1000;
        this.heap.push({ t, seq: this.seq++, type: "timer", node: s.id, incarnation: inc, handle, tag });
        return handle;
      },
      cancelTimer: (handle: TimerHandle) => {
        s.timers.delete(handle);
      },
      random: () => s.rng.next(),
      disk: s.disk,
      log: (...args: unknown[]) => {
        if (!alive()) return;
        const text = args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" ");
        this.record({ i: 0, t: this.time, kind: "log", node: s.id, text, vc: this.tick(s.index) });
      },
    };
  }

  private boot(s: NodeSlot<M, T>, why: "start" | "restart"): void {
    s.incarnation++;
    s.up = true;
    s.paused = false;
    s.pausedQueue = [];
    s.timers = new Set();
    if (why === "restart") this.record({ i: 0, t: this.time, kind: "restart", node: s.id, text: `restart ${s.id}` });
    // The start event comes first: whatever start(env) sends happens after it.
    this.record({ i: 0, t: this.time, kind: "start", node: s.id, text: why, vc: this.tick(s.index) });
    this.invoke(s, "start(env)", () => {
      const inst = this.factory(s.id);
      s.instance = inst;
      inst.start(this.makeEnv(s));
    });
  }

  private kill(s: NodeSlot<M, T>, why: string): void {
    s.up = false;
    s.incarnation++;
    s.instance = undefined;
    s.timers = new Set();
    s.paused = false;
    s.pausedQueue = [];
    const lost = s.disk.loseUnsynced();
    this.record({ i: 0, t: this.time, kind: "crash", node: s.id, text: `${why} ${s.id}${lost ? ` (${lost} unsynced writes lost)` : ""}` });
  }

  private invoke(s: NodeSlot<M, T>, what: string, fn: () => void): void {
    this.running = s;
    this.runningWhat = what;
    this.probe?.enter(s.id, what, this.time);
    try {
      fn();
    } catch (err) {
      this.nodeThrew(s, what, err);
    } finally {
      this.running = undefined;
      this.probe?.exit();
    }
  }

  private nodeThrew(s: NodeSlot<M, T>, what: string, err: unknown): void {
    const name = err instanceof Error ? err.name : "";
    const kind = name === "NotImplemented" ? "not-implemented" : name === "NondeterminismError" ? "nondeterminism" : "threw";
    const already = kind === "nondeterminism" && this.failures.some((f) => f.kind === "nondeterminism" && f.node === s.id && f.t === this.time);
    const f = new NodeFailure(s.id, this.time, what, err, kind);
    if (!already) this.failures.push(f);
    this.record({ i: 0, t: this.time, kind: "fail", node: s.id, text: f.message });
    if (s.up) this.kill(s, "failed");
    if (this.stopOnNodeFailure && !this.pending) this.pending = f;
  }

  private transmit(from: NodeId, to: NodeId, msg: M): void {
    let copy: { frozen: unknown; hash: number };
    try {
      copy = freezeMessage(msg);
    } catch (err) {
      if (err instanceof MessageShapeError) throw new TypeError(`${from} sent a message to ${to} that cannot be serialized: ${err.message}`);
      throw err;
    }
    const { frozen, hash } = copy;
    const msgType = typeof frozen === "object" && frozen !== null && typeof (frozen as { type?: unknown }).type === "string" ? (frozen as { type: string }).type : typeof frozen;
    this.route(from, to, frozen, undefined, hash, msgType);
  }

  /** A message already serialized by its sender (a node in a vm context): no parse, no copy. */
  private transmitText(from: NodeId, to: NodeId, text: string): void {
    this.route(from, to, undefined, text, hashPayload(text), typeOfText(text));
  }

  private route(from: NodeId, to: NodeId, frozen: unknown, text: string | undefined, hash: number, msgType: string): void {
    const toIndex = this.index.get(to);
    if (toIndex === undefined) throw new RangeError(`${from} sent to unknown node "${to}"; known: ${this.endpoints.join(", ")}`);
    const fromIndex = this.indexOf(from);
    const msgId = ++this.msgSeq;
    const vc = this.tick(fromIndex);
    this.stats.sent++;
    let byType = this.sentCounts.get(from);
    if (!byType) this.sentCounts.set(from, (byType = new Map()));
    byType.set(msgType, (byType.get(msgType) ?? 0) + 1);
    if (fromIndex < this.nodeIds.length) this.stormed(this.storm.sent(fromIndex, this.time));
    this.record(text === undefined ? { i: 0, t: this.time, kind: "send", node: from, peer: to, msgId, msg: frozen, vc } : { i: 0, t: this.time, kind: "send", node: from, peer: to, msgId, payload: text, vc }, hash);
    const f = this.net.faults(from, to);
    if (this.net.isBlocked(from, to)) {
      this.dropped(from, to, msgId, "partition");
      return;
    }
    if (this.netRng.chance(f.drop)) {
      this.dropped(from, to, msgId, "loss");
      return;
    }
    const ev: DeliverEvent = { t: this.time + sampleDelay(f.delay, this.netRng), seq: this.seq++, type: "deliver", from, to, frozen, payloadHash: hash, msgId, vc, msgType };
    if (text !== undefined) ev.text = text;
    this.heap.push(ev);
    if (this.netRng.chance(f.duplicate)) {
      this.stats.duplicated += f.copies;
      this.record({ i: 0, t: this.time, kind: "duplicate", node: from, peer: to, msgId, text: `x${f.copies + 1}` });
      for (let k = 0; k < f.copies; k++) this.heap.push({ ...ev, t: this.time + sampleDelay(f.delay, this.netRng), seq: this.seq++ });
    }
  }

  private reschedule(e: DeliverEvent): void {
    const f = this.net.faults(e.from, e.to);
    this.heap.push({ ...e, t: this.time + sampleDelay(f.delay, this.netRng), seq: this.seq++ });
  }

  private dropped(from: NodeId, to: NodeId, msgId: number, why: string): void {
    this.stats.dropped++;
    this.record({ i: 0, t: this.time, kind: "drop", node: to, peer: from, msgId, text: why });
  }

  private dispatch(e: QEvent): void {
    this.stats.events++;
    if (this.stats.events > this.maxEvents) throw new EventBudgetExceeded(this.maxEvents, this.time, this.busiest());
    const storm = this.storm.event(this.time, this.heap.size);
    if (storm) throw storm;
    if (e.type === "deliver") this.arrive(e);
    else if (e.type === "timer") {
      const s = this.slots.get(e.node) as NodeSlot<M, T>;
      if (s.incarnation !== e.incarnation || !s.timers.has(e.handle)) return;
      if (s.paused) s.pausedQueue.push(e);
      else this.fireTimer(e);
    } else {
      e.fn();
    }
  }

  private arrive(e: DeliverEvent): void {
    if (this.net.isBlocked(e.from, e.to)) {
      this.dropped(e.from, e.to, e.msgId, "partition");
      return;
    }
    if (this.net.isClogged(e.from, e.to)) {
      const key = `${e.from}\u0000${e.to}`;
      const q = this.held.get(key);
      if (q) q.push(e);
      else this.held.set(key, [e]);
      return;
    }
    const client = this.clients.get(e.to);
    if (client) {
      this.stats.delivered++;
      const i = this.indexOf(e.to);
      const vc = this.vcs[i] as number[];
      if (e.vc) for (let k = 0; k < vc.length; k++) if ((e.vc[k] as number) > (vc[k] as number)) vc[k] = e.vc[k] as number;
      this.record(this.deliverEvent(e, this.tick(i)), e.payloadHash);
      client.accept(e.from, (e.text !== undefined ? JSON.parse(e.text) : thawMessage(e.frozen)) as M);
      return;
    }
    const s = this.slots.get(e.to) as NodeSlot<M, T>;
    if (!s.up) {
      this.dropped(e.from, e.to, e.msgId, "node down");
      return;
    }
    if (s.paused) {
      s.pausedQueue.push(e);
      return;
    }
    this.deliver(e);
  }

  private deliver(e: DeliverEvent): void {
    const s = this.slots.get(e.to) as NodeSlot<M, T>;
    const inst = s.instance;
    if (!s.up || !inst) return;
    this.stats.delivered++;
    s.handled++;
    const vc = this.vcs[s.index] as number[];
    if (e.vc) for (let k = 0; k < vc.length; k++) if ((e.vc[k] as number) > (vc[k] as number)) vc[k] = e.vc[k] as number;
    const event = this.deliverEvent(e, this.tick(s.index));
    this.record(event, e.payloadHash);
    const what = `onMessage(${e.msgType} from ${e.from})`;
    if (inst.onMessageText) {
      // A node run elsewhere (a vm context) takes the JSON text: no copy to make and throw away.
      const text = e.text ?? event.payload ?? JSON.stringify(e.frozen);
      this.invoke(s, what, () => (inst.onMessageText as (from: NodeId, text: string) => void)(e.from, text));
      return;
    }
    const msg = (e.text !== undefined ? JSON.parse(e.text) : thawMessage(e.frozen)) as M;
    this.invoke(s, what, () => inst.onMessage(e.from, msg));
  }

  private deliverEvent(e: DeliverEvent, vc: number[] | undefined): TraceEvent {
    return e.text === undefined ? { i: 0, t: this.time, kind: "deliver", node: e.to, peer: e.from, msgId: e.msgId, msg: e.frozen, vc } : { i: 0, t: this.time, kind: "deliver", node: e.to, peer: e.from, msgId: e.msgId, payload: e.text, vc };
  }

  private fireTimer(e: TimerEvent): void {
    const s = this.slots.get(e.node) as NodeSlot<M, T>;
    const inst = s.instance;
    if (!s.up || !inst || s.incarnation !== e.incarnation || !s.timers.delete(e.handle)) return;
    s.handled++;
    const tag = describeTag(e.tag);
    this.record({ i: 0, t: this.time, kind: "timer", node: s.id, tag, vc: this.tick(s.index) });
    this.invoke(s, `onTimer(${tag})`, () => inst.onTimer(e.tag as T));
  }

  private afterStep(): void {
    this.throwPending();
    this.checkInvariants();
  }

  private checkInvariants(): void {
    for (const inv of this.invariants) {
      const r = inv.check();
      if (typeof r === "string" && r.length > 0) {
        const err = new InvariantViolation(inv.name, r, this.time, this.trace.count - 1);
        this.record({ i: 0, t: this.time, kind: "log", node: "net", text: `VIOLATION ${inv.name}: ${r}` });
        throw err;
      }
    }
  }

  /** A storm found inside a handler fails the run after the handler, not as a node throw. */
  private stormed(e: StormDetected | undefined): void {
    if (e && !this.pending) this.pending = e;
  }

  private throwPending(): void {
    const p = this.pending;
    if (p) {
      this.pending = undefined;
      throw p;
    }
  }

  private busiest(): string {
    const top = [...this.stats.sentByType.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    return top.map(([k, v]) => `${k} x${v}`).join(", ") || "timers";
  }
}

/** A message's `type` (or its JSON kind) from its text; messages usually start with it. */
function typeOfText(text: string): string {
  if (text.startsWith('{"type":"')) {
    const end = text.indexOf('"', 9);
    const type = text.slice(9, end);
    if (end > 0 && !type.includes("\\")) return type;
  }
  const m = JSON.parse(text) as unknown;
  return typeof m === "object" && m !== null && typeof (m as { type?: unknown }).type === "string" ? (m as { type: string }).type : typeof m;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export { SimulationError };
