/**
 * Part D: a consumer of the producer's events (node ids "billing", "analytics"; one class).
 *
 * The relay publishes at least once, so an event can arrive twice (a duplicate on the wire, or a
 * publish again after the relay's crash). Exactly-once delivery is not on offer; exactly-once
 * EFFECT is: the idempotent consumer (Richardson, "Microservices Patterns", 2018, ch. 3, "Handling duplicate messages")
 * keeps the ids of the events it processed, in the same local transaction as the effect.
 *
 * The rules the grader checks:
 * - `event {id, amount}`: an id you have not processed: add `amount` to your total (TOTAL_KEY) and
 *   mark the id processed (key SEEN_KEY + id), in ONE synced write; then answer `event_ack {id}`.
 *   An id you processed already: only answer `event_ack` again.
 * - Restart: read the total and the processed ids back.
 *
 * The grader reads `applied()` and `total()` after every step.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
import type { Timer } from "./messages.ts";
// Imported for the bodies you will write.
import { SEEN_KEY, TOTAL_KEY, type OutboxMsg } from "./outbox-messages.ts";

export class Consumer implements Node<OutboxMsg, Timer> {
  protected env!: Env<OutboxMsg, Timer>;

  start(env: Env<OutboxMsg, Timer>): void {
    // TODO: keep env; read the total and every processed id under SEEN_KEY back.
    throw new NotImplemented("Consumer.start");
  }

  onMessage(from: NodeId, msg: OutboxMsg): void {
    // TODO: "event": apply it once (effect and marker in one sync), then ack; a duplicate is only
    // acked.
    throw new NotImplemented("Consumer.onMessage");
  }

  onTimer(_tag: Timer): void {
    // A consumer sets no timer: the relay publishes again.
  }

  /** Read-only hook for the grader: the ids of the events you applied. */
  applied(): string[] {
    // TODO
    throw new NotImplemented("Consumer.applied");
  }

  /** Read-only hook for the grader: the sum of the amounts of the events you applied. */
  total(): number {
    // TODO
    throw new NotImplemented("Consumer.total");
  }
}
