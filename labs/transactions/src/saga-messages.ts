/**
 * Part C: the wire format and constants of the order saga. This file is complete; you do not need
 * to change it.
 *
 * An orchestrator ("orch") runs each order as a saga of three steps, one per service, in this
 * order: reserve stock ("stock"), charge the payment ("payment"), schedule the shipment
 * ("shipping"). Each service has a capacity; a step that would take the service's use past it
 * fails for good (out of stock, card declined, no truck): a permanent failure. The grader's
 * client ("c1") places orders. Every message is a JSON value; the network may delay, duplicate
 * and reorder it.
 */
import type { NodeId } from "@faultline/sim";

/** The node id of the saga orchestrator. */
export const ORCHESTRATOR: NodeId = "orch";
/** The services, in the order of the saga's steps (step i runs at SERVICES[i]). */
export const SERVICES: readonly NodeId[] = ["stock", "payment", "shipping"];
/** What each service can take in all (units in stock, credit, truck slots). */
export const CAPACITY: Readonly<Record<NodeId, number>> = { stock: 1_000, payment: 100_000, shipping: 1_000 };

/** How often the orchestrator resends a step or a compensation that got no answer. */
export const RETRY_MS = 100;

/** Disk key prefix of the orchestrator's saga records (one per order). */
export const SAGA_LOG = "saga/";
/** Disk key prefix of a service's step records (one per order). */
export const STEP_LOG = "step/";
/** Disk key of a service's use (the sum of the amounts of its steps in effect). */
export const USED_KEY = "used";

/** What a service knows of an order's step: its record. */
export type StepRecord = "done" | "failed" | "compensated";
/** How a saga ended: every step done, or every done step compensated. */
export type SagaOutcome = "done" | "compensated";

/** client -> orch: run this order; `amounts` gives each service's share (its step's amount). */
export interface PlaceOrder {
  type: "order";
  order: string;
  amounts: Record<NodeId, number>;
}
/** orch -> client: the order's saga is on the orchestrator's disk (sent only once it is durable). */
export interface Accepted {
  type: "accepted";
  order: string;
}
/** client -> orch: how is `order` doing? Answered `accepted` (running) or `result` (ended). */
export interface OrderStatus {
  type: "status";
  order: string;
}
/** orch -> client: how the saga ended. */
export interface SagaResult {
  type: "result";
  order: string;
  outcome: SagaOutcome;
}
/** orch -> service: do your step of `order` (idempotent: the order id is the key). */
export interface Step {
  type: "step";
  order: string;
  amount: number;
}
/** service -> orch: the step's outcome; `ok: false` is a permanent failure. */
export interface StepResult {
  type: "step_result";
  order: string;
  ok: boolean;
}
/** orch -> service: undo your step of `order` (idempotent). */
export interface Compensate {
  type: "compensate";
  order: string;
}
/** service -> orch: the step of `order` is undone here (durably). */
export interface Compensated {
  type: "compensated";
  order: string;
}

export type SagaMsg = PlaceOrder | Accepted | OrderStatus | SagaResult | Step | StepResult | Compensate | Compensated;
