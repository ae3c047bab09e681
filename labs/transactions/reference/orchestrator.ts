/**
 * Reference saga orchestrator (Part C). The saga's progress is on disk (synced) before the
 * orchestrator acts on it; a step is retried until its service answers; a failed step is never
 * retried, and the steps done before it are compensated in reverse order, each until it is
 * acknowledged.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import { RETRY_MS, SAGA_LOG, SERVICES, type PlaceOrder, type SagaMsg, type SagaOutcome } from "../src/saga-messages.ts";
import type { Timer } from "../src/messages.ts";

interface Saga {
  order: string;
  client: NodeId;
  amounts: Record<NodeId, number>;
  /** forward: running step `at`; compensating: undoing step `at` (then at-1, ...). */
  phase: "forward" | "compensating" | SagaOutcome;
  at: number;
}

export class Orchestrator implements Node<SagaMsg, Timer> {
  private env!: Env<SagaMsg, Timer>;
  private readonly sagas = new Map<string, Saga>();

  start(env: Env<SagaMsg, Timer>): void {
    this.env = env;
    for (const key of env.disk.keys()) {
      if (!key.startsWith(SAGA_LOG)) continue;
      const s = env.disk.read<Saga>(key);
      if (s) this.sagas.set(s.order, s);
    }
    // The tick resends what each unfinished saga is waiting for.
    env.setTimer(RETRY_MS, "tick");
  }

  onMessage(from: NodeId, msg: SagaMsg): void {
    switch (msg.type) {
      case "order":
        this.place(from, msg);
        break;
      case "status": {
        const s = this.sagas.get(msg.order);
        if (s) this.tellClient(s, from);
        break;
      }
      case "step_result": {
        const s = this.sagas.get(msg.order);
        // Only the answer of the step running now moves the saga; older ones are duplicates.
        if (s?.phase !== "forward" || SERVICES[s.at] !== from) break;
        if (msg.ok) this.advance(s, s.at + 1);
        // A permanent failure: never retried; undo the steps before it.
        else this.compensateFrom(s, s.at - 1);
        break;
      }
      case "compensated": {
        const s = this.sagas.get(msg.order);
        if (s?.phase !== "compensating" || SERVICES[s.at] !== from) break;
        this.compensateFrom(s, s.at - 1);
        break;
      }
      default:
        break;
    }
  }

  onTimer(_tag: Timer): void {
    for (const s of this.sagas.values()) this.act(s);
    this.env.setTimer(RETRY_MS, "tick");
  }

  private place(from: NodeId, msg: PlaceOrder): void {
    const known = this.sagas.get(msg.order);
    if (known) {
      this.tellClient(known, from);
      return;
    }
    const s: Saga = { order: msg.order, client: from, amounts: msg.amounts, phase: "forward", at: 0 };
    this.sagas.set(s.order, s);
    // Accepted means durable: from here on the order is the orchestrator's to finish.
    this.save(s);
    this.env.send(from, { type: "accepted", order: s.order });
    this.act(s);
  }

  private advance(s: Saga, at: number): void {
    if (at >= SERVICES.length) this.finish(s, "done");
    else {
      s.at = at;
      this.save(s);
      this.act(s);
    }
  }

  private compensateFrom(s: Saga, at: number): void {
    if (at < 0) this.finish(s, "compensated");
    else {
      s.phase = "compensating";
      s.at = at;
      this.save(s);
      this.act(s);
    }
  }

  private finish(s: Saga, outcome: SagaOutcome): void {
    s.phase = outcome;
    this.save(s);
    this.tellClient(s, s.client);
  }

  /** Sends what the saga waits for: its current step, or its current compensation. */
  private act(s: Saga): void {
    const service = SERVICES[s.at]!;
    if (s.phase === "forward")
      this.env.send(service, { type: "step", order: s.order, amount: s.amounts[service] ?? 0 });
    else if (s.phase === "compensating") this.env.send(service, { type: "compensate", order: s.order });
  }

  private tellClient(s: Saga, to: NodeId): void {
    if (s.phase === "done" || s.phase === "compensated")
      this.env.send(to, { type: "result", order: s.order, outcome: s.phase });
    else this.env.send(to, { type: "accepted", order: s.order });
  }

  /** Progress is durable before the orchestrator acts on it. */
  private save(s: Saga): void {
    this.env.disk.write(SAGA_LOG + s.order, s);
    this.env.disk.sync();
  }
}
