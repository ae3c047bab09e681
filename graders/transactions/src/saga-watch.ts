/**
 * Part C's cluster, client and ground truth. The grader reads every service's record of every
 * order and its use after every step, and the orchestrator's messages on the wire: the history
 * of each step's effect, from which it checks the saga's rules.
 */
import {
  ORCHESTRATOR,
  SERVICES,
  type ChoreoMsg,
  type SagaMsg,
  type SagaOutcome,
  type StepRecord,
  type Timer,
} from "@faultline/lab-transactions";
import { fmt, type NodeId, type Simulation } from "@faultline/sim";
import type { Ctx } from "./props.ts";
import { messageOf } from "./watch.ts";

/** Part C's messages, and Part E's (the same orders, with events between the services). */
export type AnySagaMsg = SagaMsg | ChoreoMsg;
export type SagaSim = Simulation<AnySagaMsg, Timer>;

interface ServiceView {
  record(order: string): StepRecord | undefined;
  used(): number;
}

/**
 * The orchestrator and the three services (Part C), or the three choreographed services alone
 * (Part E), with the grader's client c1, under duplicates and delays.
 */
export function sagaCluster(ctx: Ctx, duplicate: number, delayMs: [number, number], choreography = false): SagaSim {
  const sim = ctx.sim<AnySagaMsg, Timer>(
    choreography
      ? { nodes: [...SERVICES], clients: 1, factory: () => new ctx.impl.ChoreoService() }
      : {
          nodes: [ORCHESTRATOR, ...SERVICES],
          clients: 1,
          factory: (id) => (id === ORCHESTRATOR ? new ctx.impl.Orchestrator() : new ctx.impl.Service()),
        },
  );
  sim.setFaults({ drop: 0, duplicate, copies: 2, delay: { kind: "uniform", min: delayMs[0], max: delayMs[1] } });
  return sim;
}

/** Amounts every service can take (far within its capacity). */
export function fits(ctx: Ctx): Record<NodeId, number> {
  return { stock: 1 + ctx.rng.int(5), payment: 10 + ctx.rng.int(90), shipping: 1 };
}

/** Amounts that `refuser` must refuse (beyond its capacity); the others fit. */
export function refusedBy(ctx: Ctx, refuser: NodeId): Record<NodeId, number> {
  return { ...fits(ctx), [refuser]: 10_000_000 };
}

/**
 * The grader's client: places an order until accepted, then asks its status until it ends, at
 * `front` (the orchestrator, or in Part E the first service).
 */
export class SagaClient {
  private n = 0;
  /** Orders the client heard `accepted` for (not only a result). */
  readonly heardAccepted = new Set<string>();
  constructor(
    private readonly sim: SagaSim,
    private readonly front: NodeId = ORCHESTRATOR,
  ) {}

  next(): string {
    return `o${++this.n}`;
  }

  /** `order` resent every 200 ms until `accepted` (or `result`); whether it was accepted. */
  async place(order: string, amounts: Record<NodeId, number>, withinMs: number): Promise<boolean> {
    const c = this.sim.client("c1");
    const until = this.sim.now + withinMs;
    while (this.sim.now < until) {
      const r = await c.call(
        this.front,
        { type: "order", order, amounts },
        (m) => (m.type === "accepted" || m.type === "result") && m.order === order,
        Math.min(200, until - this.sim.now),
      );
      if (r?.type === "accepted") this.heardAccepted.add(order);
      if (r) return true;
    }
    return false;
  }

  /** `status` every 200 ms until a `result`, or `withinMs`; the outcome or undefined. */
  async outcome(order: string, withinMs: number): Promise<SagaOutcome | undefined> {
    const c = this.sim.client("c1");
    const until = this.sim.now + withinMs;
    while (this.sim.now < until) {
      const r = await c.call(
        this.front,
        { type: "status", order },
        (m) => m.type === "result" && m.order === order,
        Math.min(200, until - this.sim.now),
      );
      if (r?.type === "result") return r.outcome;
    }
    return undefined;
  }

  sleep(ms: number): Promise<void> {
    return this.sim.client("c1").sleep(ms);
  }
}

/**
 * The saga's rules over the whole run:
 * - a service's record of an order's step goes none -> done or failed, and done -> compensated,
 *   nothing else: a compensation is never applied before its step, and an answered record never
 *   changes or goes away;
 * - each service's use equals the sum of the amounts of its steps recorded done: each step and
 *   each compensation takes effect exactly once;
 * - the orchestrator never sends a step again after its service answered that it failed;
 * - the orchestrator announces one outcome per order, and only once it holds: every step done, or
 *   none left done.
 */
export class SagaWatch {
  /** The amounts of every order the client placed. */
  readonly orders = new Map<string, Record<NodeId, number>>();
  /** Orders the orchestrator accepted. */
  readonly accepted = new Set<string>();
  /** The first outcome the orchestrator announced, by order. */
  readonly results = new Map<string, SagaOutcome>();
  /** Messages between the orchestrator and the services (resends included; not the client's). */
  sent = 0;
  private readonly placedAt = new Map<string, number>();
  private readonly endedIn: number[] = [];
  private readonly failed = new Set<string>();
  private readonly answered = new Set<string>();
  private readonly last = new Map<string, StepRecord | undefined>();
  private beforeStep: string | undefined;
  private twice: string | undefined;
  private retried: string | undefined;
  private twoOutcomes: string | undefined;
  /** Outcomes announced during the step now running, checked once its records are read. */
  private announced: Array<{ order: string; outcome: SagaOutcome; t: number }> = [];
  private early: string | undefined;

  constructor(
    private readonly sim: SagaSim,
    private readonly front: NodeId = ORCHESTRATOR,
  ) {
    sim.onEvent((e) => {
      if ((e.kind !== "send" && e.kind !== "deliver") || e.peer === undefined) return;
      const m = messageOf<AnySagaMsg>(e);
      if (m) this.event(e.kind, e.node, e.peer, m);
    });
    sim.addInvariant("a compensation is never applied before its step", () => {
      this.scan();
      return this.beforeStep;
    });
    sim.addInvariant("each step and each compensation takes effect exactly once", () => this.twice);
    sim.addInvariant("a permanent failure is not retried", () => this.retried);
    sim.addInvariant("a saga has one outcome", () => this.twoOutcomes);
    // After the scan above: the front's own change in the step that announced counts.
    sim.addInvariant("an outcome is announced only once it holds", () => {
      for (const a of this.announced) this.checkAnnounced(a.order, a.outcome, a.t);
      this.announced = [];
      return this.early;
    });
  }

  private event(kind: "send" | "deliver", node: NodeId, peer: NodeId, m: AnySagaMsg): void {
    if (kind === "send") {
      const inside = (x: NodeId) => SERVICES.includes(x) || x === ORCHESTRATOR;
      if (inside(node) && inside(peer)) this.sent++;
      if (m.type === "order" && peer === this.front && !this.orders.has(m.order)) {
        this.orders.set(m.order, m.amounts);
        this.placedAt.set(m.order, this.sim.now);
      }
      if (node === this.front && m.type === "accepted") this.accepted.add(m.order);
      if (node === this.front && m.type === "result") {
        this.announced.push({ order: m.order, outcome: m.outcome, t: this.sim.now });
        const first = this.results.get(m.order);
        if (first === undefined) {
          this.results.set(m.order, m.outcome);
          this.endedIn.push(this.sim.now - (this.placedAt.get(m.order) ?? this.sim.now));
        } else if (first !== m.outcome && !this.twoOutcomes)
          this.twoOutcomes = `${node} told the client ${m.order} ended ${first}, and then (t=${fmt(this.sim.now)} ms) that it ended ${m.outcome}: a saga ends once, and its record says how`;
      }
      if (node === ORCHESTRATOR && m.type === "step" && this.failed.has(`${peer}:${m.order}`) && !this.retried)
        this.retried = `${peer} answered that its step of ${m.order} failed, and the orchestrator sent that step again at t=${fmt(this.sim.now)} ms: a permanent failure will fail again; compensate the steps before it instead of retrying`;
      // A record the service has told anyone about is durable: it may not vanish in a crash.
      // Part C: its answer; Part E: an event it publishes, or the first service's accepted or result.
      const tells = ["step_result", "compensated", "saga_event", "accepted", "result"].includes(m.type);
      if (SERVICES.includes(node) && tells && "order" in m) this.answered.add(`${node}:${m.order}`);
    } else if (node === ORCHESTRATOR && m.type === "step_result" && !m.ok) this.failed.add(`${peer}:${m.order}`);
  }

  private checkAnnounced(order: string, outcome: SagaOutcome, t: number): void {
    if (this.early || this.state(order) === outcome) return;
    this.early = `${this.front} told the client ${order} ended ${outcome} at t=${fmt(t)} ms while ${this.describe(order)}: announce an outcome only once it holds, when the answer of the step (or compensation) the saga waits for has come; an answer of an earlier step, or a late duplicate, moves nothing`;
  }

  /** Reads every service's records and use, after every step. */
  private scan(): void {
    for (const s of SERVICES) {
      const node = this.sim.isUp(s) ? this.sim.node<ServiceView>(s) : undefined;
      if (!node) continue;
      let want = 0;
      for (const [order, amounts] of this.orders) {
        const key = `${s}:${order}`;
        const now = node.record(order);
        if (now === "done") want += amounts[s] ?? 0;
        const was = this.last.get(key);
        if (now === was) continue;
        this.last.set(key, now);
        this.transition(s, order, was, now);
      }
      const used = node.used();
      if (used !== want && !this.twice)
        this.twice = `${s}'s use is ${used} at t=${fmt(this.sim.now)} ms, but the steps it records done add up to ${want}: a step or a compensation took effect twice (a duplicate request applied again), or its effect and its record were not written together`;
    }
  }

  private transition(s: NodeId, order: string, was: StepRecord | undefined, now: StepRecord | undefined): void {
    const at = `t=${fmt(this.sim.now)} ms`;
    if (was === undefined && now === "compensated" && !this.beforeStep)
      this.beforeStep = `${s} recorded ${order} compensated at ${at} without ever having done its step: a compensation undoes a step that was done; with no record, do nothing (the step may still be in flight), and compensate only steps whose outcome is known`;
    const ok = (was === undefined && (now === "done" || now === "failed")) || (was === "done" && now === "compensated");
    if (ok || (was === undefined && now === "compensated") || this.twice) return;
    if (now === undefined && !this.answered.has(`${s}:${order}`)) return;
    this.twice = `${s}'s record of ${order} went from ${was ?? "none"} to ${now ?? "none"} at ${at}: a step is done (or fails) once and is compensated once; a record that was answered must survive a crash and never change back`;
  }

  /** Messages per order and the mean time from the order to its result so far, as metrics. */
  metrics(ctx: Ctx, which: string): void {
    ctx.metric(`messages per order (${which})`, Math.round(this.sent / Math.max(1, this.orders.size)));
    const mean = this.endedIn.reduce((a, b) => a + b, 0) / Math.max(1, this.endedIn.length);
    ctx.metric(`order to result, mean (${which})`, Math.round(mean), "ms");
  }

  /**
   * The orders whose services do not agree with how the saga ended (or that did not end): every
   * order placed, since the grader's client places each until it is accepted.
   */
  unsettled(): string[] {
    const out: string[] = [];
    for (const order of this.orders.keys()) {
      const state = this.state(order);
      const result = this.results.get(order);
      if (result === undefined || state !== result)
        out.push(`${order} (${this.describe(order)}, result ${result ?? "none"})`);
    }
    return out;
  }

  /** "done" when every service did its step, "compensated" when none holds it done, else undefined. */
  state(order: string): SagaOutcome | undefined {
    const recs = SERVICES.map((s) => this.last.get(`${s}:${order}`));
    if (recs.every((r) => r === "done")) return "done";
    if (recs.every((r) => r !== "done")) return "compensated";
    return undefined;
  }

  describe(order: string): string {
    return SERVICES.map((s) => `${s} ${this.last.get(`${s}:${order}`) ?? "none"}`).join(", ");
  }
}

/**
 * After the faults: every accepted order ended, and its services agree with how (also a second
 * later, when whatever was still in flight has arrived).
 */
export async function sagasEnd(
  ctx: Ctx,
  sim: SagaSim,
  watch: SagaWatch,
  withinMs: number,
  advice = "and the orchestrator says which; it must keep retrying its current step or compensation (also after a restart, from its log) until the service answers",
): Promise<void> {
  sim.healAll();
  const ok = await sim.runUntil(() => watch.unsettled().length === 0, { maxMs: withinMs });
  ctx.check(
    ok,
    "every saga ends fully done or fully compensated",
    () =>
      `${withinMs} ms after the last fault: ${watch.unsettled().join("; ")}: a saga ends with every step done, or with every done step compensated, ${advice}`,
  );
  await sim.runFor(1000);
  const late = watch.unsettled();
  ctx.check(
    late.length === 0,
    "every saga ends fully done or fully compensated",
    () =>
      `a second later: ${late.join("; ")}: a step arrived after the saga had ended; compensate only a step whose outcome you know (a step with no answer yet may still be in flight: retry it, it is idempotent)`,
  );
}
