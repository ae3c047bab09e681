/**
 * Part D: the producer and its relay (node id "orders"): the transactional outbox.
 *
 * The producer must change its state and tell the consumers. Writing the state and sending the
 * event are two actions, and a crash between them loses one (the dual-write problem). The
 * transactional outbox (Richardson, "Microservices Patterns", 2018, ch. 3, "Transactional
 * messaging"; the relay is its "message relay") puts the event into the producer's own database, in
 * the SAME local transaction as the state change; a relay then publishes the outbox rows at least
 * once, and deletes a row only once it is delivered. Consumers deduplicate (consumer.ts).
 *
 * The rules the grader checks:
 * - `place {order, amount}` from the client: for a new order, write the order (key
 *   ORDER_KEY + order) AND its outbox row (key OUTBOX_KEY + order, the `event {id: order,
 *   amount}` to publish), then sync() ONCE: one local transaction. Then answer `placed`. A
 *   repeated place of a known order only gets `placed` again.
 * - The relay, every RELAY_MS (timer): send each outbox row's event to every consumer that has
 *   not acknowledged it. A row stays on disk until every consumer acked (`event_ack {id}`); only
 *   then delete it. Never delete a row before its event is delivered: a crash in between loses it.
 * - Restart: read the orders back; the relay publishes what the outbox still holds.
 *
 * The grader reads `orders()`.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
import type { Timer } from "./messages.ts";
// Imported for the bodies you will write.
import { CONSUMERS, ORDER_KEY, OUTBOX_KEY, RELAY_MS, type OutboxMsg } from "./outbox-messages.ts";

export class Producer implements Node<OutboxMsg, Timer> {
  protected env!: Env<OutboxMsg, Timer>;

  start(env: Env<OutboxMsg, Timer>): void {
    // TODO: keep env; read the orders under ORDER_KEY back; start a timer of RELAY_MS.
    throw new NotImplemented("Producer.start");
  }

  onMessage(from: NodeId, msg: OutboxMsg): void {
    // TODO: "place" (the order and its outbox row in one sync) and "event_ack" (delete the row
    // once every consumer acked it).
    throw new NotImplemented("Producer.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: the relay: publish every outbox row to the consumers that have not acked it; set the
    // timer again.
    throw new NotImplemented("Producer.onTimer");
  }

  /** Read-only hook for the grader: the ids of the orders committed here. */
  orders(): string[] {
    // TODO
    throw new NotImplemented("Producer.orders");
  }
}
