/**
 * The nodes' lives: boot (start(env) on a fresh instance), crash (volatile state, timers and
 * unsynced writes gone), restart on the durable disk, pause and resume (messages and timers
 * queue, then run late), each node's clock, and running its handlers one at a time. A throw in
 * a handler becomes a NodeFailure naming node, handler and time.
 */
import { Rng } from "./random.ts";
import { SimDisk } from "./disk.ts";
import { NodeClock } from "./clock.ts";
import { assert } from "./assert.ts";
import { NodeFailure } from "./errors.ts";
import { NondeterminismError } from "./guards.ts";
import { QueueLimitExceeded, type QueueLimits } from "./limits.ts";
import type { DeliverEvent, EventLoop, TimerEvent } from "./loop.ts";
import type { GroundTruth } from "./ground-truth.ts";
import type { Journal } from "./journal.ts";
import { deliverEvent, receivedMessage, type Transport } from "./transport.ts";
import type { StormMeter } from "./storm.ts";
import type { Env, Node, NodeFactory, NodeId, TimerHandle } from "./types.ts";

export interface HandlerProbe {
  enter(node: NodeId, handler: string, t: number): void;
  exit(): void;
}

/** One node across its incarnations. */
export interface NodeSlot<M, T> {
  id: NodeId;
  /** Index among the endpoints (and in `NodeLifecycle.slots`). */
  index: number;
  /** Bumped at every boot and every crash: timers and envs of an old one are dead. */
  incarnation: number;
  up: boolean;
  paused: boolean;
  pausedQueue: Array<DeliverEvent | TimerEvent>;
  instance: Node<M, T> | undefined;
  disk: SimDisk;
  clock: NodeClock;
  rng: Rng;
  timers: Set<TimerHandle>;
}

export interface LifecycleParts<M, T> {
  ids: readonly NodeId[];
  seed: number;
  clocks: Record<NodeId, { offset?: number; drift?: number }> | undefined;
  factory: NodeFactory<M, T>;
  loop: EventLoop;
  journal: Journal;
  truth: GroundTruth;
  transport: Transport;
  /** Messages delivered (shared with the run's stats). */
  counters: { delivered: number };
  storm: StormMeter;
  probe: HandlerProbe | undefined;
  stopOnNodeFailure: boolean;
  limits: QueueLimits;
  /** Node failures of the run, in order. */
  failures: NodeFailure[];
}

function describeTag(tag: unknown): string {
  return typeof tag === "string" ? tag : JSON.stringify(tag);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export class NodeLifecycle<M, T> {
  /** By endpoint index (nodes come first among the endpoints). */
  readonly slots: ReadonlyArray<NodeSlot<M, T>>;
  private readonly byId = new Map<NodeId, NodeSlot<M, T>>();
  private running: NodeSlot<M, T> | undefined;
  private runningWhat = "";
  private timerSeq = 0;
  // The parts, each in a field of its own: delivering and firing timers are hot.
  private readonly loop: EventLoop;
  private readonly journal: Journal;
  private readonly truth: GroundTruth;

  constructor(private readonly p: LifecycleParts<M, T>) {
    this.loop = p.loop;
    this.journal = p.journal;
    this.truth = p.truth;
    this.slots = p.ids.map((id, index) => {
      const c = p.clocks?.[id];
      const slot: NodeSlot<M, T> = {
        id,
        index,
        incarnation: 0,
        up: false,
        paused: false,
        pausedQueue: [],
        instance: undefined,
        disk: new SimDisk(),
        clock: new NodeClock(c?.offset ?? 0, c?.drift ?? 0),
        rng: new Rng(p.seed, `node:${id}`),
        timers: new Set(),
      };
      this.byId.set(id, slot);
      return slot;
    });
  }

  /** The slot of node `id`; an unknown id is an error listing the nodes. */
  get(id: NodeId): NodeSlot<M, T> {
    const s = this.byId.get(id);
    if (!s) throw new RangeError(`unknown node "${id}"; nodes: ${this.p.ids.join(", ")}`);
    return s;
  }

  // ---------------------------------------------------------------- lifecycle

  boot(s: NodeSlot<M, T>, why: "start" | "restart"): void {
    const { journal, loop } = this;
    s.incarnation++;
    s.up = true;
    s.paused = false;
    s.pausedQueue = [];
    s.timers = new Set();
    if (why === "restart") journal.record({ i: 0, t: loop.now, kind: "restart", node: s.id, text: `restart ${s.id}` });
    // The start event comes first: whatever start(env) sends happens after it.
    journal.record({ i: 0, t: loop.now, kind: "start", node: s.id, text: why, vc: this.truth.tick(s.index) });
    this.invoke(s, "start(env)", () => {
      const inst = this.p.factory(s.id);
      s.instance = inst;
      inst.start(this.makeEnv(s));
    });
  }

  crash(s: NodeSlot<M, T>): void {
    if (!s.up) throw new Error(`crash(${s.id}): ${s.id} is already down`);
    this.kill(s, "crash");
  }

  restart(s: NodeSlot<M, T>): void {
    if (s.up) throw new Error(`restart(${s.id}): ${s.id} is up; crash it first`);
    this.boot(s, "restart");
  }

  pause(s: NodeSlot<M, T>): void {
    if (!s.up) throw new Error(`pause(${s.id}): ${s.id} is down`);
    if (s.paused) return;
    s.paused = true;
    this.journal.note("pause", s.id, `pause ${s.id}`);
  }

  /** Unfreeze a node: what queued while it was paused runs now, in arrival order. */
  resume(s: NodeSlot<M, T>): void {
    if (!s.paused) return;
    s.paused = false;
    const queued = s.pausedQueue;
    s.pausedQueue = [];
    this.journal.note("resume", s.id, `resume ${s.id} (${queued.length} queued)`);
    for (const e of queued) {
      if (!s.up || s.paused) break;
      if (e.type === "deliver") this.deliver(e);
      else this.fireTimer(e);
    }
  }

  setClock(s: NodeSlot<M, T>, c: { offset?: number; drift?: number }): void {
    const now = this.loop.now;
    if (c.offset !== undefined) s.clock.setOffset(now, c.offset);
    if (c.drift !== undefined) s.clock.setDrift(now, c.drift);
    this.journal.note("clock", s.id, `clock ${s.id} ${JSON.stringify(c)} -> local ${s.clock.local(now).toFixed(3)}`);
  }

  clockJump(s: NodeSlot<M, T>, deltaMs: number): void {
    const now = this.loop.now;
    s.clock.jump(now, deltaMs);
    this.journal.note("clock", s.id, `clock ${s.id} jumps ${deltaMs} ms -> local ${s.clock.local(now).toFixed(3)}`);
  }

  private kill(s: NodeSlot<M, T>, why: string): void {
    s.up = false;
    s.incarnation++;
    s.instance = undefined;
    s.timers = new Set();
    s.paused = false;
    s.pausedQueue = [];
    const lost = s.disk.loseUnsynced();
    this.journal.record({
      i: 0,
      t: this.loop.now,
      kind: "crash",
      node: s.id,
      text: `${why} ${s.id}${lost ? ` (${lost} unsynced writes lost)` : ""}`,
    });
  }

  // ---------------------------------------------------------------- events for nodes

  /** A message reached node `e.to`: lost if the node is down, queued if paused, else handled. */
  receive(e: DeliverEvent): void {
    const s = this.slots[e.toIndex];
    assert(s !== undefined && s.id === e.to, "a delivery's index names its node");
    if (!s.up) {
      this.p.transport.dropped(e.from, e.to, e.msgId, "node down");
      return;
    }
    if (s.paused) {
      this.queueWhilePaused(s, e);
      return;
    }
    this.deliver(e);
  }

  /** A timer is due: ignored if cancelled or from an earlier incarnation, queued if paused. */
  timerDue(e: TimerEvent): void {
    const s = this.slots[e.index];
    assert(s !== undefined && s.id === e.node, "a timer's index names its node");
    if (s.incarnation !== e.incarnation || !s.timers.has(e.handle)) return;
    if (s.paused) this.queueWhilePaused(s, e);
    else this.fireTimer(e);
  }

  private queueWhilePaused(s: NodeSlot<M, T>, e: DeliverEvent | TimerEvent): void {
    const limit = this.p.limits.queuedPerPausedNode;
    if (s.pausedQueue.length >= limit) {
      this.journal.fail(
        new QueueLimitExceeded("queuedPerPausedNode", limit, `the queue of paused ${s.id}`, this.loop.now, s.id),
      );
      return;
    }
    s.pausedQueue.push(e);
  }

  private deliver(e: DeliverEvent): void {
    const s = this.slots[e.toIndex] as NodeSlot<M, T>;
    const inst = s.instance;
    // Callers drop messages to a crashed node and queue those to a paused one.
    assert(s.up && !s.paused && inst !== undefined, "no delivery to a crashed or paused node");
    this.p.counters.delivered++;
    const event = deliverEvent(e, this.loop.now, this.truth.receive(s.index, e.vc));
    this.journal.record(event, e.payloadHash);
    const what = `onMessage(${e.msgType} from ${e.from})`;
    if (inst.onMessageText) {
      // A node run elsewhere (a vm context) takes the JSON text: no copy to make and throw away.
      const text = e.text ?? event.payload ?? JSON.stringify(e.frozen);
      this.invoke(s, what, () => (inst.onMessageText as (from: NodeId, text: string) => void)(e.from, text));
      return;
    }
    const msg = receivedMessage(e) as M;
    this.invoke(s, what, () => inst.onMessage(e.from, msg));
  }

  private fireTimer(e: TimerEvent): void {
    const s = this.slots[e.index] as NodeSlot<M, T>;
    // Cancelled while the node was paused.
    if (s.incarnation !== e.incarnation || !s.timers.delete(e.handle)) return;
    const inst = s.instance;
    // A timer of the current incarnation means the node is up: a crash starts a new one.
    assert(s.up && !s.paused && inst !== undefined, "no timer fires on a crashed or paused node");
    const tag = describeTag(e.tag);
    this.journal.record({ i: 0, t: this.loop.now, kind: "timer", node: s.id, tag, vc: this.truth.tick(s.index) });
    this.invoke(s, `onTimer(${tag})`, () => inst.onTimer(e.tag as T));
  }

  // ---------------------------------------------------------------- handlers

  /** A node's env; `sendText` is for nodes run elsewhere (see Node.onMessageText), not part of Env. */
  private makeEnv(s: NodeSlot<M, T>): Env<M, T> & { sendText(to: NodeId, text: string): void } {
    const { loop, journal, truth } = this;
    const { transport, storm } = this.p;
    const inc = s.incarnation;
    const alive = () => s.up && s.incarnation === inc;
    const peers = Object.freeze(this.p.ids.filter((x) => x !== s.id));
    return {
      id: s.id,
      peers,
      send: (to: NodeId, msg: M) => {
        if (!alive()) return;
        transport.send(s.id, to, msg);
      },
      sendText: (to: NodeId, text: string) => {
        if (!alive()) return;
        transport.sendText(s.id, to, text);
      },
      now: () => s.clock.local(loop.now),
      setTimer: (ms: number, tag: T) => {
        if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0)
          throw new RangeError(`${s.id}: env.setTimer needs a finite ms >= 0, got ${String(ms)}`);
        const handle = ++this.timerSeq;
        if (!alive()) return handle;
        s.timers.add(handle);
        const stormed = storm.timerSet(s.index, loop.now);
        if (stormed) journal.fail(stormed);
        const t = loop.now + Math.round(s.clock.trueDuration(ms) * 1000) / 1000;
        loop.push({ t, seq: loop.nextSeq(), type: "timer", node: s.id, index: s.index, incarnation: inc, handle, tag });
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
        journal.record({ i: 0, t: loop.now, kind: "log", node: s.id, text, vc: truth.tick(s.index) });
      },
    };
  }

  private invoke(s: NodeSlot<M, T>, what: string, fn: () => void): void {
    this.running = s;
    this.runningWhat = what;
    this.p.probe?.enter(s.id, what, this.loop.now);
    try {
      fn();
    } catch (err) {
      this.nodeThrew(s, what, err);
    } finally {
      this.running = undefined;
      this.p.probe?.exit();
    }
  }

  private nodeThrew(s: NodeSlot<M, T>, what: string, err: unknown): void {
    const { failures } = this.p;
    const { loop } = this;
    const name = err instanceof Error ? err.name : "";
    const kind =
      name === "NotImplemented" ? "not-implemented" : name === "NondeterminismError" ? "nondeterminism" : "threw";
    const already =
      kind === "nondeterminism" &&
      failures.some((f) => f.kind === "nondeterminism" && f.node === s.id && f.t === loop.now);
    const f = new NodeFailure(s.id, loop.now, what, err, kind);
    if (!already) failures.push(f);
    this.journal.record({ i: 0, t: loop.now, kind: "fail", node: s.id, text: f.message });
    if (s.up) this.kill(s, "failed");
    if (this.p.stopOnNodeFailure) this.journal.fail(f);
  }

  // ---------------------------------------------------------------- what runs now (for the guards)

  /** "n2 onMessage(AppendEntries from n1)" while a handler runs, else undefined. */
  currentHandler(): string | undefined {
    return this.running ? `${this.running.id} ${this.runningWhat}` : undefined;
  }

  /** The running handler used `api` (Math.random, Date.now, ...): a failure of its node. */
  nondeterminism(api: string): void {
    const s = this.running;
    if (!s) return;
    const { loop } = this;
    const f = new NodeFailure(
      s.id,
      loop.now,
      this.runningWhat,
      new NondeterminismError(api, `${s.id} ${this.runningWhat}`),
      "nondeterminism",
    );
    this.p.failures.push(f);
    if (this.p.stopOnNodeFailure) this.journal.fail(f);
  }
}
