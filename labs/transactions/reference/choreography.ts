/**
 * Reference choreographed service (Part E): stock, payment and shipping run this same code. Each
 * event is processed once (deduplicated by its id); its local step or compensation, its marker
 * and the next event's outbox row are one synced write; the outbox is published until acked.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  CHOREO_ORDERS,
  CHOREO_OUTBOX,
  CHOREO_SEEN,
  EVENT_TARGET,
  PUBLISH_MS,
  type ChoreoEventName,
  type ChoreoMsg,
  type SagaEvent,
} from "../src/choreo-messages.ts";
import type { Timer } from "../src/messages.ts";
import {
  CAPACITY,
  STEP_LOG,
  USED_KEY,
  type PlaceOrder,
  type SagaOutcome,
  type StepRecord,
} from "../src/saga-messages.ts";

interface Rec {
  state: StepRecord;
  amount: number;
}
interface Order {
  client: NodeId;
  amounts: Record<NodeId, number>;
  outcome?: SagaOutcome;
}

export class ChoreoService implements Node<ChoreoMsg, Timer> {
  private env!: Env<ChoreoMsg, Timer>;
  private use = 0;
  private readonly recs = new Map<string, Rec>();
  private readonly orders = new Map<string, Order>();

  start(env: Env<ChoreoMsg, Timer>): void {
    this.env = env;
    this.use = env.disk.read<number>(USED_KEY) ?? 0;
    for (const key of env.disk.keys()) {
      if (key.startsWith(STEP_LOG)) this.recs.set(key.slice(STEP_LOG.length), env.disk.read<Rec>(key)!);
      if (key.startsWith(CHOREO_ORDERS)) this.orders.set(key.slice(CHOREO_ORDERS.length), env.disk.read<Order>(key)!);
    }
    env.setTimer(PUBLISH_MS, "tick");
  }

  onMessage(from: NodeId, msg: ChoreoMsg): void {
    switch (msg.type) {
      case "order":
        this.place(from, msg);
        break;
      case "status": {
        const o = this.orders.get(msg.order);
        if (o) this.tell(msg.order, o, from);
        break;
      }
      case "saga_event":
        // A duplicate (or a publish again after a crash) is only acknowledged.
        if (this.env.disk.read(CHOREO_SEEN + msg.id) === undefined) this.react(msg);
        this.env.send(from, { type: "saga_event_ack", id: msg.id });
        break;
      case "saga_event_ack":
        this.env.disk.delete(CHOREO_OUTBOX + msg.id);
        break;
      default:
        break;
    }
  }

  onTimer(_tag: Timer): void {
    for (const key of this.env.disk.keys()) {
      if (!key.startsWith(CHOREO_OUTBOX)) continue;
      const e = this.env.disk.read<SagaEvent>(key);
      if (e) this.env.send(EVENT_TARGET[e.event], e);
    }
    this.env.setTimer(PUBLISH_MS, "tick");
  }

  /** Read-only hook for the grader: this service's record of `order`'s step. */
  record(order: string): StepRecord | undefined {
    return this.recs.get(order)?.state;
  }

  /** Read-only hook for the grader: the sum of the amounts of the steps in effect. */
  used(): number {
    return this.use;
  }

  private place(from: NodeId, msg: PlaceOrder): void {
    let o = this.orders.get(msg.order);
    if (!o) {
      o = { client: from, amounts: msg.amounts };
      this.orders.set(msg.order, o);
      // The first step, in the same local transaction as the order.
      if (this.step(msg.order, msg.amounts)) this.emit(msg.order, "reserved", msg.amounts);
      else o.outcome = "compensated";
      this.env.disk.write(CHOREO_ORDERS + msg.order, o);
      this.env.disk.sync();
    }
    this.tell(msg.order, o, from);
  }

  /** Processes an event the first time: its local change and the next event, in one sync. */
  private react(e: SagaEvent): void {
    switch (e.event) {
      case "reserved":
        this.emit(e.order, this.step(e.order, e.amounts) ? "charged" : "charge_failed", e.amounts);
        break;
      case "charged":
        this.emit(e.order, this.step(e.order, e.amounts) ? "shipped" : "ship_failed", e.amounts);
        break;
      case "ship_failed":
        this.compensate(e.order);
        this.emit(e.order, "refunded", e.amounts);
        break;
      case "shipped":
      case "refunded":
      case "charge_failed": {
        if (e.event !== "shipped") this.compensate(e.order);
        const o = this.orders.get(e.order);
        if (o) {
          o.outcome = e.event === "shipped" ? "done" : "compensated";
          this.env.disk.write(CHOREO_ORDERS + e.order, o);
        }
        break;
      }
      default:
        break;
    }
    this.env.disk.write(CHOREO_SEEN + e.id, true);
    this.env.disk.sync();
    const o = this.orders.get(e.order);
    if (o?.outcome) this.tell(e.order, o, o.client);
  }

  /** This service's step (not synced: the caller syncs it with the rest). */
  private step(order: string, amounts: Record<NodeId, number>): boolean {
    const amount = amounts[this.env.id] ?? 0;
    const fits = this.use + amount <= (CAPACITY[this.env.id] ?? 0);
    if (fits) this.use += amount;
    this.store(order, { state: fits ? "done" : "failed", amount });
    return fits;
  }

  private compensate(order: string): void {
    const rec = this.recs.get(order);
    if (rec?.state !== "done") return;
    this.use -= rec.amount;
    this.store(order, { ...rec, state: "compensated" });
  }

  private emit(order: string, event: ChoreoEventName, amounts: Record<NodeId, number>): void {
    const e: SagaEvent = { type: "saga_event", id: `${order}:${event}`, order, event, amounts };
    this.env.disk.write(CHOREO_OUTBOX + e.id, e);
  }

  private tell(order: string, o: Order, to: NodeId): void {
    if (o.outcome) this.env.send(to, { type: "result", order, outcome: o.outcome });
    else this.env.send(to, { type: "accepted", order });
  }

  private store(order: string, rec: Rec): void {
    this.recs.set(order, rec);
    this.env.disk.write(STEP_LOG + order, rec);
    this.env.disk.write(USED_KEY, this.use);
  }
}
