/**
 * Part C: a service of the order saga (node ids "stock", "payment", "shipping"; one class).
 *
 * Each step is a local transaction at one service, and its compensation another (Garcia-Molina &
 * Salem, "Sagas", SIGMOD 1987). The orchestrator retries both, and the network duplicates
 * them, so each must be idempotent: keyed by the order id, as in the idempotency-api lab. The
 * effect and the record of its key change in ONE synced write: otherwise a crash between them
 * either loses the key (the retry applies the effect twice) or the effect.
 *
 * The rules the grader checks:
 * - `step {order, amount}`: with no record of `order`, do the step if your use (the sum of the
 *   amounts of your steps in effect, kept at USED_KEY) plus `amount` stays within
 *   CAPACITY[env.id]: add it, record "done" (key STEP_LOG + order, with the amount). Else record
 *   "failed": a permanent failure (a retry would fail the same way, and the answer must never
 *   change). Write the record and the use, sync(), THEN answer `step_result {ok}`. With a record,
 *   answer again from it (ok unless "failed"), changing nothing.
 * - `compensate {order}`: a "done" step is undone (subtract its amount), recorded "compensated",
 *   synced, then answered `compensated`. Already "compensated" (or "failed": nothing to undo):
 *   answer `compensated` again, changing nothing. No record at all (a stray or early message; the
 *   orchestrator never sends one): do nothing, record nothing, answer nothing. You cannot undo
 *   what you have not done, and the step may still arrive and must then be done as usual.
 * - Restart: read the records and the use back.
 *
 * The grader reads `record(order)` and `used()` after every step.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
import type { Timer } from "./messages.ts";
// Imported for the bodies you will write.
import { CAPACITY, STEP_LOG, USED_KEY, type SagaMsg, type StepRecord } from "./saga-messages.ts";

export class Service implements Node<SagaMsg, Timer> {
  protected env!: Env<SagaMsg, Timer>;

  start(env: Env<SagaMsg, Timer>): void {
    // TODO: keep env; read the use (USED_KEY) and every record under STEP_LOG back.
    throw new NotImplemented("Service.start");
  }

  onMessage(from: NodeId, msg: SagaMsg): void {
    // TODO: "step" and "compensate" as described above, each idempotent by the order id. Sync
    // the record and the use together before answering.
    throw new NotImplemented("Service.onMessage");
  }

  onTimer(_tag: Timer): void {
    // A service sets no timer: the orchestrator retries.
  }

  /** Read-only hook for the grader: your record of `order`'s step, if any. */
  record(order: string): StepRecord | undefined {
    // TODO
    throw new NotImplemented("Service.record");
  }

  /** Read-only hook for the grader: the sum of the amounts of your steps in effect. */
  used(): number {
    // TODO
    throw new NotImplemented("Service.used");
  }
}
