/**
 * Reference producer (Part D): the order and its outbox row in one local transaction (one synced
 * write), and a relay that publishes every row until each consumer acknowledged it, and only then
 * deletes it: at least once.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import { CONSUMERS, ORDER_KEY, OUTBOX_KEY, RELAY_MS, type OrderEvent, type OutboxMsg } from "../src/outbox-messages.ts";
import type { Timer } from "../src/messages.ts";

export class Producer implements Node<OutboxMsg, Timer> {
  private env!: Env<OutboxMsg, Timer>;
  private readonly placed = new Map<string, number>();
  /** Consumers that acknowledged each outbox row (volatile: a restart publishes again). */
  private readonly acked = new Map<string, Set<NodeId>>();

  start(env: Env<OutboxMsg, Timer>): void {
    this.env = env;
    for (const key of env.disk.keys())
      if (key.startsWith(ORDER_KEY)) this.placed.set(key.slice(ORDER_KEY.length), env.disk.read<number>(key) ?? 0);
    env.setTimer(RELAY_MS, "tick");
  }

  onMessage(from: NodeId, msg: OutboxMsg): void {
    switch (msg.type) {
      case "place": {
        if (!this.placed.has(msg.order)) {
          this.placed.set(msg.order, msg.amount);
          const event: OrderEvent = { type: "event", id: msg.order, amount: msg.amount };
          // One local transaction: the state change and its event become durable together.
          this.env.disk.write(ORDER_KEY + msg.order, msg.amount);
          this.env.disk.write(OUTBOX_KEY + msg.order, event);
          this.env.disk.sync();
        }
        this.env.send(from, { type: "placed", order: msg.order });
        break;
      }
      case "event_ack": {
        const row = this.env.disk.read<OrderEvent>(OUTBOX_KEY + msg.id);
        if (!row) break;
        const acked = this.acked.get(msg.id) ?? new Set<NodeId>();
        acked.add(from);
        this.acked.set(msg.id, acked);
        // Delivered everywhere: the row may go (a lost delete only publishes it again).
        if (CONSUMERS.every((c) => acked.has(c))) {
          this.env.disk.delete(OUTBOX_KEY + msg.id);
          this.acked.delete(msg.id);
        }
        break;
      }
      default:
        break;
    }
  }

  onTimer(_tag: Timer): void {
    this.relay();
    this.env.setTimer(RELAY_MS, "tick");
  }

  /** Read-only hook for the grader: the orders committed here. */
  orders(): string[] {
    return [...this.placed.keys()];
  }

  /** Publishes every outbox row to the consumers that have not acknowledged it. */
  private relay(): void {
    for (const key of this.env.disk.keys()) {
      if (!key.startsWith(OUTBOX_KEY)) continue;
      const event = this.env.disk.read<OrderEvent>(key);
      if (!event) continue;
      const acked = this.acked.get(event.id);
      for (const c of CONSUMERS) if (!acked?.has(c)) this.env.send(c, event);
    }
  }
}
