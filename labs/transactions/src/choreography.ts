/**
 * Part E (bonus): the order saga by choreography (node ids "stock", "payment", "shipping"; one
 * class, its behaviour chosen by env.id).
 *
 * The saga of Part C without its orchestrator: each service does its step or its compensation
 * when it receives the previous service's event, and publishes the next event (Garcia-Molina &
 * Salem, "Sagas", SIGMOD 1987, for the saga; Richardson, "Microservices Patterns", 2018, ch. 4,
 * "choreography-based sagas"). Nobody holds the saga's state: it is spread over the services'
 * records and the events in flight, so each event must be published at least once (an outbox, as
 * in Part D) and processed at most once (a processed-event marker, as in Part D's consumers).
 * The flow and the events are in choreo-messages.ts.
 *
 * The rules the grader checks (Part C's, with "stock" in the orchestrator's place):
 * - `order {order, amounts}` at "stock": for a new order, record it (key CHOREO_ORDERS + order:
 *   the client and the amounts), do the stock step (as Part C's service: use plus amount within
 *   CAPACITY[env.id], a record under STEP_LOG and the use at USED_KEY) and, if it is done, write
 *   the event "reserved" to the outbox (key CHOREO_OUTBOX + id, id = `${order}:${event}`); if it
 *   failed, the saga ended compensated. ONE sync for all of it, then answer `accepted` (or
 *   `result` once the saga ended). A repeated `order`, or a `status`, is answered the same way.
 * - `saga_event {id, order, event, amounts}`: if its id is processed (key CHOREO_SEEN + id), only
 *   answer `saga_event_ack {id}`. Else react as the flow says (a step: done -> the next forward
 *   event, failed -> the backward one; a compensation of your done step -> the next backward
 *   event; at "stock", "shipped" ends the saga done, "refunded" or "charge_failed" release the
 *   stock and end it compensated, and the client is told `result`), mark the id processed and
 *   write the next event's outbox row, all in ONE sync; then ack.
 * - Every PUBLISH_MS (timer), send each outbox row's event to EVENT_TARGET[event]; delete the row
 *   when its `saga_event_ack` arrives.
 * - Restart: read the records, the use and the orders back; the outbox is on disk already.
 *
 * The grader reads `record(order)` and `used()` after every step, as in Part C.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
import type { Timer } from "./messages.ts";
// Imported for the bodies you will write.
import {
  CHOREO_ORDERS,
  CHOREO_OUTBOX,
  CHOREO_SEEN,
  EVENT_TARGET,
  PUBLISH_MS,
  type ChoreoMsg,
} from "./choreo-messages.ts";
import { CAPACITY, STEP_LOG, USED_KEY, type StepRecord } from "./saga-messages.ts";

export class ChoreoService implements Node<ChoreoMsg, Timer> {
  protected env!: Env<ChoreoMsg, Timer>;

  start(env: Env<ChoreoMsg, Timer>): void {
    // TODO: keep env; read the use, the step records and (at "stock") the orders back; start a
    // timer of PUBLISH_MS.
    throw new NotImplemented("ChoreoService.start");
  }

  onMessage(from: NodeId, msg: ChoreoMsg): void {
    // TODO: "order" and "status" (at "stock"), "saga_event" (once per id: the local change, the
    // marker and the next event's outbox row in one sync, then ack), "saga_event_ack" (delete
    // the outbox row).
    throw new NotImplemented("ChoreoService.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: publish every outbox row to EVENT_TARGET of its event; set the timer again.
    throw new NotImplemented("ChoreoService.onTimer");
  }

  /** Read-only hook for the grader: your record of `order`'s step, if any. */
  record(order: string): StepRecord | undefined {
    // TODO
    throw new NotImplemented("ChoreoService.record");
  }

  /** Read-only hook for the grader: the sum of the amounts of your steps in effect. */
  used(): number {
    // TODO
    throw new NotImplemented("ChoreoService.used");
  }
}
