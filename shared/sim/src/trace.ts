/**
 * The trace: every event of a run with its virtual time, plus a running hash that identifies
 * the run byte for byte. Storage is bounded: `full` keeps every event, `window` keeps the most
 * recent ones (enough to explain a failure), `off` keeps none; the hash is always computed.
 */
import type { SearchEvent } from "./search/world.ts";
import type { NodeId } from "./types.ts";

export type EventKind =
  | "start" // node booted (or restarted) and start(env) ran
  | "send" // node or client put a message on the wire
  | "deliver" // a message reached its destination and was handled
  | "drop" // a message was lost (text says why: loss, partition, down, paused-crash)
  | "duplicate" // the network made extra copies of a message
  | "timer" // a node's timer fired and onTimer ran
  | "crash"
  | "restart"
  | "pause"
  | "resume"
  | "net" // topology or fault change (partition, heal, clog, rates)
  | "clock" // clock offset, drift or jump
  | "log" // env.log from a node, or a note from the grader
  | "fail" // a node handler threw or broke a rule
  | "client"; // a client workload step (call, reply, timeout)

export interface TraceEvent {
  /** Position in the run (0-based). */
  i: number;
  /** Virtual (true) time in ms. */
  t: number;
  kind: EventKind;
  /** Where the event happened ("net" for network-wide changes). */
  node: NodeId;
  /** The other end: sender of a delivery, receiver of a send. */
  peer?: NodeId;
  /** Links a send to its deliveries, drops and duplicates. */
  msgId?: number;
  /** The message as JSON text (as it was on the wire). */
  payload?: string;
  /**
   * The message itself (frozen) until its JSON text is needed; `list()` turns it into
   * `payload`. Read messages through `payload` (or `messageOf`).
   */
  msg?: unknown;
  /** Timer tag, as JSON text. */
  tag?: string;
  /** Human-readable details. */
  text?: string;
  /** Ground-truth vector clock after this event (indexed like `Trace.endpoints`). */
  vc?: number[];
  /**
   * What the node reported through its lab's hooks once the handler of this event returned
   * (written into trace files by the grading harness; not part of the hash).
   */
  state?: Record<string, string | number | boolean | null>;
}

export type TraceMode = "full" | "window" | "off";

const KIND_CODE: Record<EventKind, number> = {
  start: 1,
  send: 2,
  deliver: 3,
  drop: 4,
  duplicate: 5,
  timer: 6,
  crash: 7,
  restart: 8,
  pause: 9,
  resume: 10,
  net: 11,
  clock: 12,
  log: 13,
  fail: 14,
  client: 15,
};

export class Trace {
  readonly mode: TraceMode;
  readonly windowSize: number;
  private events: TraceEvent[] = [];
  /** Ring start when in window mode. */
  private head = 0;
  /** Total events recorded (including those no longer stored). */
  count = 0;
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;

  private readonly endpointCode = new Map<NodeId, number>();

  constructor(
    readonly endpoints: readonly NodeId[],
    mode: TraceMode = "full",
    windowSize = 20_000,
  ) {
    this.mode = mode;
    this.windowSize = Math.max(1, windowSize);
    endpoints.forEach((id, i) => {
      this.endpointCode.set(id, i + 1);
    });
  }

  /** Hash an endpoint by its index (cheap), anything else by its text. */
  private mixEndpoint(id: NodeId | undefined): void {
    const code = id === undefined ? 0 : this.endpointCode.get(id);
    if (code !== undefined) this.mix(code);
    else this.mixString(id);
  }

  private mix(x: number): void {
    this.h1 = Math.imul(this.h1 ^ x, 0x01000193);
    this.h2 = Math.imul(this.h2 ^ x, 0x5bd1e995) ^ (this.h2 >>> 15);
  }

  private mixString(s: string | undefined): void {
    if (s === undefined) {
      this.mix(0x9e37);
      return;
    }
    this.mix(s.length);
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
  }

  /**
   * Record an event. `payloadHash` is the payload's `hashPayload` when the caller already has it
   * (a message's payload is hashed once at send, not again at every delivery).
   */
  record(e: TraceEvent, payloadHash?: number): void {
    this.mix(KIND_CODE[e.kind]);
    this.mix(Math.round(e.t * 1000));
    this.mixEndpoint(e.node);
    this.mixEndpoint(e.peer);
    this.mix(e.msgId ?? -1);
    if (payloadHash !== undefined) this.mix(payloadHash);
    else this.mix(e.payload === undefined ? 0x9e37 : hashPayload(e.payload));
    this.mixString(e.tag);
    if (e.kind !== "log" || e.text !== undefined) this.mixString(e.text);
    this.count++;
    if (this.mode === "full") this.events.push(e);
    else if (this.mode === "window") {
      if (this.events.length < this.windowSize) this.events.push(e);
      else {
        this.events[this.head] = e;
        this.head = (this.head + 1) % this.windowSize;
      }
    }
  }

  /** Stable hash of everything recorded so far, as 16 hex digits. */
  hash(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, "0") + (this.h2 >>> 0).toString(16).padStart(8, "0");
  }

  /** Stored events in order (all of them in full mode, the latest window otherwise). */
  list(): TraceEvent[] {
    const out =
      this.mode !== "window" || this.events.length < this.windowSize
        ? this.events.slice()
        : [...this.events.slice(this.head), ...this.events.slice(0, this.head)];
    for (const e of out) materialize(e);
    return out;
  }

  /** True when events before the stored ones were discarded. */
  get truncated(): boolean {
    return this.count > this.events.length;
  }
}

/** Give an event its JSON `payload` text (from the frozen message it carries). */
export function materialize(e: TraceEvent): TraceEvent {
  if (e.msg !== undefined) {
    if (e.payload === undefined) e.payload = JSON.stringify(e.msg);
    delete e.msg;
  }
  return e;
}

/** 32-bit FNV-1a of a message's JSON text, computed once per message. */
/**
 * The message of a send or deliver event as a fresh object: the frozen copy a node in this
 * process sent, or the JSON text a node in a context sent; undefined for other events (or text
 * that is not JSON).
 */
export function eventMessage<M = unknown>(e: TraceEvent): M | undefined {
  const text = e.payload ?? (e.msg !== undefined ? JSON.stringify(e.msg) : undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as M;
  } catch {
    return undefined;
  }
}

export function hashPayload(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The serializable form of a run's trace, as written to trace files. */
export interface TraceFile {
  format: "faultline-trace/1";
  seed: number;
  nodes: NodeId[];
  clients: NodeId[];
  /** Order of entries in every event's vector clock. */
  endpoints: NodeId[];
  hash: string;
  eventCount: number;
  truncated: boolean;
  /** Set when the run ended with a failure: what broke, where, when. */
  violation?: { invariant: string; message: string; t: number; node?: NodeId; eventIndex?: number };
  events: TraceEvent[];
  /** A counterexample found by an exhaustive search: its events, replayable with --replay. */
  search?: { test: string; events: SearchEvent[] };
}

/** Compare two traces event by event; returns the first index where they differ, or -1. */
export function firstDifference(a: readonly TraceEvent[], b: readonly TraceEvent[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as TraceEvent;
    const y = b[i] as TraceEvent;
    if (
      x.t !== y.t ||
      x.kind !== y.kind ||
      x.node !== y.node ||
      x.peer !== y.peer ||
      x.payload !== y.payload ||
      x.tag !== y.tag ||
      x.text !== y.text
    )
      return i;
  }
  return a.length === b.length ? -1 : n;
}
