/**
 * Reference saga service (Part C): stock, payment and shipping run this same code. A step and its
 * compensation are idempotent by the order id: the record and the use change in one synced write,
 * and a repeated request gets the recorded answer again.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import { CAPACITY, STEP_LOG, USED_KEY, type SagaMsg, type StepRecord } from "../src/saga-messages.ts";
import type { Timer } from "../src/messages.ts";

interface Rec {
  state: StepRecord;
  amount: number;
}

export class Service implements Node<SagaMsg, Timer> {
  private env!: Env<SagaMsg, Timer>;
  private use = 0;
  private readonly recs = new Map<string, Rec>();

  start(env: Env<SagaMsg, Timer>): void {
    this.env = env;
    this.use = env.disk.read<number>(USED_KEY) ?? 0;
    for (const key of env.disk.keys()) {
      if (!key.startsWith(STEP_LOG)) continue;
      const rec = env.disk.read<Rec>(key);
      if (rec) this.recs.set(key.slice(STEP_LOG.length), rec);
    }
  }

  onMessage(from: NodeId, msg: SagaMsg): void {
    switch (msg.type) {
      case "step": {
        let rec = this.recs.get(msg.order);
        if (!rec) {
          const fits = this.use + msg.amount <= (CAPACITY[this.env.id] ?? 0);
          rec = { state: fits ? "done" : "failed", amount: msg.amount };
          if (fits) this.use += msg.amount;
          // A failure is recorded too: once answered, the answer never changes.
          this.store(msg.order, rec);
        }
        // "compensated" was done once: the step's answer stays ok.
        this.env.send(from, { type: "step_result", order: msg.order, ok: rec.state !== "failed" });
        break;
      }
      case "compensate": {
        const rec = this.recs.get(msg.order);
        // Nothing to undo: a stray message (the orchestrator never sends one); the step may still come.
        if (!rec) break;
        if (rec.state === "done") {
          this.use -= rec.amount;
          this.store(msg.order, { ...rec, state: "compensated" });
        }
        this.env.send(from, { type: "compensated", order: msg.order });
        break;
      }
      default:
        break;
    }
  }

  onTimer(_tag: Timer): void {}

  /** Read-only hook for the grader: this service's record of `order`'s step. */
  record(order: string): StepRecord | undefined {
    return this.recs.get(order)?.state;
  }

  /** Read-only hook for the grader: the sum of the amounts of the steps in effect. */
  used(): number {
    return this.use;
  }

  /** The record and the use in one synced write: the effect and its key together. */
  private store(order: string, rec: Rec): void {
    this.recs.set(order, rec);
    this.env.disk.write(STEP_LOG + order, rec);
    this.env.disk.write(USED_KEY, this.use);
    this.env.disk.sync();
  }
}
