/**
 * Part D: the wire format and constants of the outbox. This file is complete; you do not need to
 * change it.
 *
 * A producer service ("orders") records placed orders; every placed order must reach two
 * consumers ("billing", "analytics") as an event, exactly once in effect. The producer runs the
 * relay too. The grader's client ("c1") places orders. Every message is a JSON value; the network
 * may delay, duplicate and reorder it.
 */
import type { NodeId } from "@faultline/sim";

/** The node id of the producer (the service and its relay). */
export const PRODUCER: NodeId = "orders";
/** The consumers of the producer's events. */
export const CONSUMERS: readonly NodeId[] = ["billing", "analytics"];

/** How often the relay publishes the outbox rows not yet acknowledged by every consumer. */
export const RELAY_MS = 100;

/** Disk key prefix of the producer's orders (its state). */
export const ORDER_KEY = "order/";
/** Disk key prefix of the producer's outbox rows (one per event not yet delivered everywhere). */
export const OUTBOX_KEY = "outbox/";
/** Disk key prefix of a consumer's processed-event markers (its deduplication table). */
export const SEEN_KEY = "seen/";
/** Disk key of a consumer's total (the sum of the amounts of the events it applied). */
export const TOTAL_KEY = "total";

/** client -> orders: place `order` for `amount` (a repeated place of a known order changes nothing). */
export interface Place {
  type: "place";
  order: string;
  amount: number;
}
/** orders -> client: the order is committed (durable) at the producer. */
export interface Placed {
  type: "placed";
  order: string;
}
/** orders (relay) -> consumer: the event of a placed order; its id is the order id. */
export interface OrderEvent {
  type: "event";
  id: string;
  amount: number;
}
/** consumer -> orders: the event `id` is applied here (durably), or was already. */
export interface EventAck {
  type: "event_ack";
  id: string;
}

export type OutboxMsg = Place | Placed | OrderEvent | EventAck;
