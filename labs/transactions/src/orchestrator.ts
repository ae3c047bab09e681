/**
 * Part C: the orchestrator of the order saga (node id "orch").
 *
 * A saga (Garcia-Molina & Salem, "Sagas", SIGMOD 1987) is a long transaction cut into local
 * transactions T1..Tn, each with a compensation Ci that semantically undoes it; the system
 * guarantees that either T1..Tn all run, or T1..Tj run and then Cj..C1 (backward recovery). Here T1..T3 are the steps of an order at SERVICES[0..2] (reserve stock, charge the
 * payment, schedule the shipment). The orchestrator drives them, and it can crash at any point,
 * so its progress lives on its disk (the saga log that the paper's saga execution component keeps).
 *
 * The rules the grader checks:
 * - `order {order, amounts}` from the client: write the saga's record (key SAGA_LOG + order) and
 *   sync() it, THEN answer `accepted` and send the first `step`. From `accepted` on the order is
 *   the orchestrator's to finish: the client only asks `status` after that, never re-orders.
 *   A repeated `order`, or a `status`, gets `result {outcome}` if the saga ended, else `accepted`.
 * - Forward: send `step {order, amount: amounts[service]}` to the service of the current step,
 *   again every RETRY_MS until that service answers `step_result`. A missing answer is NOT a
 *   failure: the step may have been done (steps are idempotent, so retrying is safe), and you may
 *   only compensate a step you know the outcome of.
 * - `step_result ok` (from the service of the current step; ignore any other): record the next
 *   step (sync) and send it; after the last step, the saga is "done": record it, send `result`.
 * - `step_result` not ok is a PERMANENT failure: never send that step again. Record that the saga
 *   is compensating the step before it (sync), and send `compensate {order}` to those services in
 *   reverse order, each again every RETRY_MS until it answers `compensated`. When none is left
 *   (also when the first step failed), the saga is "compensated": record it, send `result`.
 * - Every change of the saga's progress is synced before you act on it (send anything).
 * - Restart (`start` on a fresh instance): read every saga back and carry on where its record
 *   says: resend its current step or compensation.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
import type { Timer } from "./messages.ts";
// Imported for the bodies you will write.
import { RETRY_MS, SAGA_LOG, SERVICES, type SagaMsg } from "./saga-messages.ts";

export class Orchestrator implements Node<SagaMsg, Timer> {
  protected env!: Env<SagaMsg, Timer>;

  start(env: Env<SagaMsg, Timer>): void {
    // TODO: keep env; read every saga record under SAGA_LOG back (a restart); start a timer of
    // RETRY_MS.
    throw new NotImplemented("Orchestrator.start");
  }

  onMessage(from: NodeId, msg: SagaMsg): void {
    // TODO: "order", "status", "step_result" and "compensated" as described above. Sync the
    // saga's progress before acting on it.
    throw new NotImplemented("Orchestrator.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: for every saga not ended, resend its current step or compensation; set the timer
    // again. Never compensate here: silence is not a failure.
    throw new NotImplemented("Orchestrator.onTimer");
  }
}
