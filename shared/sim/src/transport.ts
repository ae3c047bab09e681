/**
 * The simulated network at run time: a send is frozen, counted and given its fate (lost to a
 * partition or to the loss rate, delayed, duplicated); an arrival is lost to a partition that
 * started while it was in flight, held on a clogged link, or handed on. Topology changes
 * (partitions, one-way blocks, clogs, heal) and fault settings are made here and noted in the
 * trace. What the faults are is decided by NetworkFaults (network.ts).
 */
import { NetworkFaults, sampleDelay, type LinkFaults } from "./network.ts";
import { freezeMessage, MessageShapeError, thawMessage } from "./message.ts";
import { hashPayload, type TraceEvent } from "./trace.ts";
import { QueueLimitExceeded, type QueueLimits } from "./limits.ts";
import type { DeliverEvent, EventLoop } from "./loop.ts";
import type { Endpoints } from "./endpoints.ts";
import type { GroundTruth } from "./ground-truth.ts";
import type { Journal } from "./journal.ts";
import type { Rng } from "./random.ts";
import type { StormMeter } from "./storm.ts";
import type { NodeId } from "./types.ts";

/** The message counters of a run that the transport keeps. */
export interface TrafficCounters {
  sent: number;
  dropped: number;
  duplicated: number;
}

export interface TransportParts {
  endpoints: Endpoints;
  loop: EventLoop;
  journal: Journal;
  truth: GroundTruth;
  counters: TrafficCounters;
  /** Sends per sender and message type. */
  sentByType: Map<NodeId, Map<string, number>>;
  storm: StormMeter;
  /** The network's own random stream. */
  rng: Rng;
  limits: QueueLimits;
  /** A message that reached its endpoint (not lost, not held). */
  arrived: (e: DeliverEvent) => void;
}

/** The count key of message types past `messageTypesPerSender`. */
const OTHER_TYPES = "(other types)";

const linkKey = (from: NodeId, to: NodeId) => `${from}\u0000${to}`;

function typeOf(frozen: unknown): string {
  return typeof frozen === "object" && frozen !== null && typeof (frozen as { type?: unknown }).type === "string"
    ? (frozen as { type: string }).type
    : typeof frozen;
}

/** A message's `type` (or its JSON kind) from its text; messages usually start with it. */
function typeOfText(text: string): string {
  if (text.startsWith('{"type":"')) {
    const end = text.indexOf('"', 9);
    const type = text.slice(9, end);
    if (end > 0 && !type.includes("\\")) return type;
  }
  return typeOf(JSON.parse(text));
}

/** The message of a delivery as the trace records it: frozen, or its text as the payload. */
export function deliverEvent(e: DeliverEvent, t: number, vc: number[]): TraceEvent {
  return e.text === undefined
    ? { i: 0, t, kind: "deliver", node: e.to, peer: e.from, msgId: e.msgId, msg: e.frozen, vc }
    : { i: 0, t, kind: "deliver", node: e.to, peer: e.from, msgId: e.msgId, payload: e.text, vc };
}

/** A fresh copy of a delivery's message for a receiver that takes objects. */
export function receivedMessage(e: DeliverEvent): unknown {
  return e.text !== undefined ? JSON.parse(e.text) : thawMessage(e.frozen);
}

export class Transport {
  readonly faults = new NetworkFaults();
  /** Messages held on clogged links, by link. */
  private readonly held = new Map<string, DeliverEvent[]>();
  private msgSeq = 0;
  // The parts, each in a field of its own: the send and arrival paths are hot.
  private readonly endpoints: Endpoints;
  private readonly loop: EventLoop;
  private readonly journal: Journal;
  private readonly rng: Rng;

  constructor(private readonly p: TransportParts) {
    this.endpoints = p.endpoints;
    this.loop = p.loop;
    this.journal = p.journal;
    this.rng = p.rng;
  }

  // ---------------------------------------------------------------- messages

  /** Put `msg` on the wire from `from` to `to`: copied now, then lost, delayed or duplicated. */
  send(from: NodeId, to: NodeId, msg: unknown): void {
    let copy: { frozen: unknown; hash: number };
    try {
      copy = freezeMessage(msg);
    } catch (err) {
      if (err instanceof MessageShapeError)
        throw new TypeError(`${from} sent a message to ${to} that cannot be serialized: ${err.message}`);
      throw err;
    }
    this.route(from, to, copy.frozen, undefined, copy.hash, typeOf(copy.frozen));
  }

  /** A message its sender already serialized (a node in a vm context): no parse, no copy. */
  sendText(from: NodeId, to: NodeId, text: string): void {
    this.route(from, to, undefined, text, hashPayload(text), typeOfText(text));
  }

  private route(
    from: NodeId,
    to: NodeId,
    frozen: unknown,
    text: string | undefined,
    hash: number,
    msgType: string,
  ): void {
    const { endpoints, loop, journal, rng } = this;
    const toIndex = endpoints.find(to);
    if (toIndex === undefined)
      throw new RangeError(`${from} sent to unknown node "${to}"; known: ${endpoints.all.join(", ")}`);
    const fromIndex = endpoints.indexOf(from);
    const msgId = ++this.msgSeq;
    const vc = this.p.truth.tick(fromIndex);
    this.p.counters.sent++;
    this.count(from, msgType);
    if (endpoints.isNode(fromIndex)) {
      const storm = this.p.storm.sent(fromIndex, loop.now);
      if (storm) journal.fail(storm);
    }
    journal.record(
      text === undefined
        ? { i: 0, t: loop.now, kind: "send", node: from, peer: to, msgId, msg: frozen, vc }
        : { i: 0, t: loop.now, kind: "send", node: from, peer: to, msgId, payload: text, vc },
      hash,
    );
    const f = this.faults.faults(from, to);
    if (this.faults.isBlocked(from, to)) {
      this.dropped(from, to, msgId, "partition");
      return;
    }
    if (rng.chance(f.drop)) {
      this.dropped(from, to, msgId, "loss");
      return;
    }
    const ev: DeliverEvent = {
      t: loop.now + sampleDelay(f.delay, rng),
      seq: loop.nextSeq(),
      type: "deliver",
      from,
      to,
      toIndex,
      frozen,
      payloadHash: hash,
      msgId,
      vc,
      msgType,
    };
    if (text !== undefined) ev.text = text;
    loop.push(ev);
    if (rng.chance(f.duplicate)) {
      this.p.counters.duplicated += f.copies;
      journal.record({ i: 0, t: loop.now, kind: "duplicate", node: from, peer: to, msgId, text: `x${f.copies + 1}` });
      for (let k = 0; k < f.copies; k++)
        loop.push({ ...ev, t: loop.now + sampleDelay(f.copyDelay ?? f.delay, rng), seq: loop.nextSeq() });
    }
  }

  /** A delivery is due: lost to a partition, held on a clogged link, or handed on. */
  arrive(e: DeliverEvent): void {
    if (this.faults.isBlocked(e.from, e.to)) {
      this.dropped(e.from, e.to, e.msgId, "partition");
      return;
    }
    if (this.faults.isClogged(e.from, e.to)) {
      const key = linkKey(e.from, e.to);
      let q = this.held.get(key);
      if (!q) this.held.set(key, (q = []));
      if (q.length >= this.p.limits.heldPerLink) {
        this.journal.fail(
          new QueueLimitExceeded(
            "heldPerLink",
            this.p.limits.heldPerLink,
            `clogged link ${e.from}->${e.to}`,
            this.loop.now,
            e.from,
          ),
        );
        return;
      }
      q.push(e);
      return;
    }
    this.p.arrived(e);
  }

  /** A message is lost (`why`: partition, loss, node down). */
  dropped(from: NodeId, to: NodeId, msgId: number, why: string): void {
    this.p.counters.dropped++;
    this.journal.record({ i: 0, t: this.loop.now, kind: "drop", node: to, peer: from, msgId, text: why });
  }

  private count(from: NodeId, msgType: string): void {
    let byType = this.p.sentByType.get(from);
    if (!byType) this.p.sentByType.set(from, (byType = new Map()));
    const n = byType.get(msgType);
    if (n !== undefined) byType.set(msgType, n + 1);
    else if (byType.size < this.p.limits.messageTypesPerSender) byType.set(msgType, 1);
    else byType.set(OTHER_TYPES, (byType.get(OTHER_TYPES) ?? 0) + 1);
  }

  /** A held message leaves its link again with a fresh delay. */
  private release(e: DeliverEvent): void {
    const f = this.faults.faults(e.from, e.to);
    this.loop.push({ ...e, t: this.loop.now + sampleDelay(f.delay, this.rng), seq: this.loop.nextSeq() });
  }

  // ---------------------------------------------------------------- fault settings

  setFaults(f: Partial<LinkFaults>): void {
    this.faults.setGlobal(f);
    this.journal.note("net", "net", `faults ${JSON.stringify(f)}`);
  }

  setNodeFaults(id: NodeId, f: Partial<LinkFaults> | undefined): void {
    this.endpoints.indexOf(id);
    this.faults.setNode(id, f);
    this.journal.note("net", id, f ? `node faults ${JSON.stringify(f)}` : "node faults cleared");
  }

  setLinkFaults(from: NodeId, to: NodeId, f: Partial<LinkFaults> | undefined): void {
    this.endpoints.indexOf(from);
    this.endpoints.indexOf(to);
    this.faults.setLink(from, to, f);
    this.journal.note(
      "net",
      from,
      f ? `link ${from}->${to} faults ${JSON.stringify(f)}` : `link ${from}->${to} faults cleared`,
    );
  }

  /** Back to no loss and no duplication anywhere, keeping the global delay. */
  resetRates(): void {
    const delay = this.faults.faults("\u0000", "\u0000").delay;
    this.faults.resetFaults();
    this.faults.setGlobal({ delay });
  }

  // ---------------------------------------------------------------- topology

  partition(groups: readonly NodeId[][]): void {
    this.faults.clearBlocks();
    const group = new Map<NodeId, number>();
    groups.forEach((g, gi) => {
      for (const id of g) {
        this.endpoints.indexOf(id);
        if (group.has(id)) throw new RangeError(`${id} is in two partition groups`);
        group.set(id, gi);
      }
    });
    for (const [a, ga] of group) for (const [b, gb] of group) if (ga !== gb) this.faults.block(a, b);
    this.journal.note("net", "net", `partition ${groups.map((g) => `[${g.join(" ")}]`).join(" | ")}`);
  }

  isolate(id: NodeId): void {
    this.endpoints.indexOf(id);
    for (const other of this.endpoints.all) {
      if (other === id) continue;
      this.faults.block(id, other);
      this.faults.block(other, id);
    }
    this.journal.note("net", id, `isolate ${id}`);
  }

  reconnect(id: NodeId): void {
    this.endpoints.indexOf(id);
    for (const other of this.endpoints.all) {
      this.faults.unblock(id, other);
      this.faults.unblock(other, id);
    }
    this.journal.note("net", id, `reconnect ${id}`);
  }

  blockOneWay(from: NodeId, to: NodeId): void {
    this.endpoints.indexOf(from);
    this.endpoints.indexOf(to);
    this.faults.block(from, to);
    this.journal.note("net", from, `block ${from}->${to}`);
  }

  unblockOneWay(from: NodeId, to: NodeId): void {
    this.faults.unblock(from, to);
    this.journal.note("net", from, `unblock ${from}->${to}`);
  }

  clog(from: NodeId, to: NodeId): void {
    this.endpoints.indexOf(from);
    this.endpoints.indexOf(to);
    this.faults.clog(from, to);
    this.journal.note("net", from, `clog ${from}->${to}`);
  }

  unclog(from: NodeId, to: NodeId): void {
    this.faults.unclog(from, to);
    const key = linkKey(from, to);
    const held = this.held.get(key) ?? [];
    this.held.delete(key);
    for (const e of held) this.release(e);
    this.journal.note("net", from, `unclog ${from}->${to} (${held.length} held)`);
  }

  heal(): void {
    this.faults.clearBlocks();
    this.faults.clearClogs();
    const held = [...this.held.values()].flat().sort((a, b) => a.seq - b.seq);
    this.held.clear();
    for (const e of held) this.release(e);
    this.journal.note("net", "net", "heal");
  }
}
