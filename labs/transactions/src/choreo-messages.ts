/**
 * Part E (bonus): the wire format and constants of the choreographed order saga. This file is
 * complete; you do not need to change it.
 *
 * The same order flow as Part C, without an orchestrator: the services react to each other's
 * events. The client places the order at "stock" (the first step, and the one that learns how
 * the saga ends). Events go forward stock -> payment -> shipping while the steps succeed, and back
 * shipping -> payment -> stock as the compensations run:
 *
 *   stock --reserved--> payment --charged--> shipping --shipped--> stock (done)
 *   shipping --ship_failed--> payment (refund) --refunded--> stock (release: compensated)
 *   payment --charge_failed--> stock (release: compensated)
 *
 * The order's messages (`order`, `accepted`, `status`, `result`) and the capacities, records and
 * use of the services are Part C's (saga-messages.ts).
 */
import type { NodeId } from "@faultline/sim";
import type { Accepted, OrderStatus, PlaceOrder, SagaResult } from "./saga-messages.ts";

/** The events of the choreographed saga. */
export type ChoreoEventName = "reserved" | "charged" | "shipped" | "ship_failed" | "refunded" | "charge_failed";

/** Where each event goes. */
export const EVENT_TARGET: Readonly<Record<ChoreoEventName, NodeId>> = {
  reserved: "payment",
  charged: "shipping",
  shipped: "stock",
  ship_failed: "payment",
  refunded: "stock",
  charge_failed: "stock",
};

/** How often a service publishes the outbox rows not yet acknowledged. */
export const PUBLISH_MS = 100;

/** Disk key prefix of a service's outbox rows (one per event to publish, keyed by its id). */
export const CHOREO_OUTBOX = "out/";
/** Disk key prefix of a service's processed-event markers. */
export const CHOREO_SEEN = "seen/";
/** Disk key prefix of the orders "stock" runs (client, amounts, outcome once known). */
export const CHOREO_ORDERS = "order/";

/** service -> service: an event of the saga of `order`; its id is `${order}:${event}`. */
export interface SagaEvent {
  type: "saga_event";
  id: string;
  order: string;
  event: ChoreoEventName;
  amounts: Record<NodeId, number>;
}
/** service -> service: the event `id` is processed here (durably), or was already. */
export interface SagaEventAck {
  type: "saga_event_ack";
  id: string;
}

export type ChoreoMsg = PlaceOrder | Accepted | OrderStatus | SagaResult | SagaEvent | SagaEventAck;
