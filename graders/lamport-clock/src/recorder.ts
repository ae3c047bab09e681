/**
 * Pairs the timestamps a learner's nodes give their events with the simulator's ground truth.
 *
 * The simulator gives every process event its true vector clock (TraceEvent.vc). A node's
 * own timestamps come from two places: a send's timestamp travels in the message (read from
 * the send event's payload), and the timestamp of a receive or a local event is read from the
 * node's clock hook once its handler has returned. A timer step that sends is the send event
 * only (the timer firing itself is not a clock event of the lab).
 */
import type { NodeId, Simulation, TraceEvent } from "@faultline/sim";

export interface Stamped<S> {
  node: NodeId;
  /** Index of the node in the ground-truth vector clocks. */
  index: number;
  /** Virtual time of the event (ms). */
  t: number;
  /** Ground-truth vector clock of the event. */
  vc: number[];
  /** The node's own entry of `vc`: its position in the node's history. */
  own: number;
  stamp: S;
  kind: "send" | "receive" | "local";
  /** The other node of a send or receive. */
  peer?: NodeId;
  /** The message of a send or receive (links a receive to its send). */
  msgId?: number;
  /** Position among this node's stamped events (0-based). */
  n: number;
  /** The node's physical (local) clock reading at the event, in ms. */
  local: number;
}

export interface RecorderOptions<S> {
  /** The timestamp a message carries, or undefined when it has none. */
  fromMessage(msg: unknown): S | undefined;
  /** The timestamp of the node's latest event, read from its hook after a handler. */
  fromNode(node: unknown): S | undefined;
  /** The raw hook value, shown when fromNode finds no valid timestamp (e.g. "clock.time = 2.5"). */
  hook(node: unknown): string;
  /** How a timestamp is printed in messages to the learner. */
  show(s: S): string;
  /** Deliveries from these senders are stamped (default: nodes only, never clients). */
  stampDeliveryFrom?(from: NodeId): boolean;
}

/** Invariant name for events whose timestamp cannot be read. */
export const STAMPED = "every event has a timestamp";

export type Check<S> = (e: Stamped<S>, rec: StampRecorder<S>) => string | undefined;

interface Pending {
  node: NodeId;
  e: TraceEvent;
  kind: "receive" | "local";
  sent: boolean;
  local: number;
}

export class StampRecorder<S> {
  readonly all: Stamped<S>[] = [];
  readonly byNode = new Map<NodeId, Stamped<S>[]>();
  /** Restart times per node, to explain a clock that went backwards. */
  readonly restarts = new Map<NodeId, number[]>();
  private readonly index = new Map<NodeId, number>();
  private readonly nodes: ReadonlySet<NodeId>;
  private readonly checks: Array<{ name: string; check: Check<S> }> = [];
  private readonly failures = new Map<string, string>();
  private pending: Pending | undefined;

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: the recorder watches a simulation of any node and message types
    private readonly sim: Simulation<any, any>,
    private readonly opts: RecorderOptions<S>,
  ) {
    sim.endpoints.forEach((id, i) => {
      this.index.set(id, i);
    });
    this.nodes = new Set(sim.nodeIds);
    for (const id of sim.nodeIds) this.byNode.set(id, []);
    sim.onEvent((e) => this.onEvent(e));
    sim.addInvariant(STAMPED, () => {
      this.flush();
      return this.failures.get(STAMPED);
    });
  }

  /** Run `check` on every stamped event; the first message it returns fails the run. */
  addCheck(name: string, check: Check<S>): void {
    this.checks.push({ name, check });
    this.sim.addInvariant(name, () => {
      this.flush();
      return this.failures.get(name);
    });
  }

  /** The first failure of any check so far (after finishing the event in progress). */
  firstFailure(): { invariant: string; message: string } | undefined {
    this.flush();
    for (const name of [STAMPED, ...this.checks.map((c) => c.name)]) {
      const m = this.failures.get(name);
      if (m !== undefined) return { invariant: name, message: m };
    }
    return undefined;
  }

  show(s: S): string {
    return this.opts.show(s);
  }

  /** "receive from n2 at n5 (t=12.5 ms)" */
  describe(e: Stamped<S>): string {
    const what =
      e.kind === "send" ? `send to ${e.peer}` : e.kind === "receive" ? `receive from ${e.peer}` : "local event";
    return `${what} at ${e.node} (t=${fmtT(e.t)} ms)`;
  }

  /** Count stamped events of a kind (to make sure the workload really ran). */
  count(kind: Stamped<S>["kind"]): number {
    return this.all.filter((e) => e.kind === kind).length;
  }

  /** Finish the handler in progress: read the node's clock now that it has returned. */
  flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    if (p.sent) return;
    const inst = this.sim.node(p.node);
    if (inst === undefined) return;
    let stamp: S | undefined;
    try {
      stamp = this.opts.fromNode(inst);
    } catch (err) {
      this.failAll(
        `could not read ${p.node}'s clock after its ${p.kind === "receive" ? "receive" : "local event"} at t=${fmtT(p.e.t)} ms: ${(err as Error).message}`,
      );
      return;
    }
    if (stamp === undefined) {
      let raw: string;
      try {
        raw = this.opts.hook(inst);
      } catch (err) {
        raw = `unreadable (${(err as Error).message})`;
      }
      this.failAll(
        `after its ${p.kind === "receive" ? "receive" : "local event"} at t=${fmtT(p.e.t)} ms, ${p.node} has no valid timestamp: ${raw} (is the clock created in start(), and does it hold whole numbers?)`,
      );
      return;
    }
    this.add(p.node, p.e, stamp, p.kind, p.local);
  }

  private onEvent(e: TraceEvent): void {
    // Hooks run inside node handlers: never throw here, record and report from an invariant.
    switch (e.kind) {
      case "deliver":
      case "timer":
      case "start":
      case "restart":
      case "crash":
        this.flush();
        break;
    }
    if (!this.nodes.has(e.node)) return;
    if (e.kind === "restart") {
      const r = this.restarts.get(e.node) ?? [];
      r.push(e.t);
      this.restarts.set(e.node, r);
    } else if (e.kind === "deliver" && e.vc) {
      if (this.opts.stampDeliveryFrom ? this.opts.stampDeliveryFrom(e.peer ?? "") : this.nodes.has(e.peer ?? "")) {
        this.pending = { node: e.node, e, kind: "receive", sent: false, local: this.sim.localTime(e.node) };
      }
    } else if (e.kind === "timer" && e.vc) {
      this.pending = { node: e.node, e, kind: "local", sent: false, local: this.sim.localTime(e.node) };
    } else if (e.kind === "send" && e.vc) {
      if (this.pending?.node === e.node) this.pending.sent = true;
      let stamp: S | undefined;
      try {
        stamp = this.opts.fromMessage(JSON.parse(e.payload ?? "null"));
      } catch {
        stamp = undefined;
      }
      if (stamp === undefined) {
        this.failAll(
          `${e.node} sent ${e.payload ?? "a message"} to ${e.peer} at t=${fmtT(e.t)} ms without a valid timestamp`,
        );
        return;
      }
      this.add(e.node, e, stamp, "send", this.sim.localTime(e.node));
    }
  }

  private add(node: NodeId, e: TraceEvent, stamp: S, kind: Stamped<S>["kind"], local: number): void {
    const index = this.index.get(node) as number;
    const list = this.byNode.get(node) as Stamped<S>[];
    const vc = e.vc as number[];
    const rec: Stamped<S> = { node, index, t: e.t, vc, own: vc[index] as number, stamp, kind, n: list.length, local };
    if (e.peer !== undefined) rec.peer = e.peer;
    if (e.msgId !== undefined) rec.msgId = e.msgId;
    for (const { name, check } of this.checks) {
      if (this.failures.has(name)) continue;
      const m = check(rec, this);
      if (m !== undefined) this.failures.set(name, m);
    }
    list.push(rec);
    this.all.push(rec);
  }

  private failAll(message: string): void {
    if (!this.failures.has(STAMPED)) this.failures.set(STAMPED, message);
  }
}

export function fmtT(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(3).replace(/0+$/, "");
}
