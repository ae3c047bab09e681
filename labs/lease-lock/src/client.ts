/**
 * Part C: a lock client (node ids "w1", "w2", ...) that writes to the storage only under the
 * lock, and passes its fencing token with every write.
 *
 * Checking your lease before a write is necessary but never enough: the client can be paused
 * right after the check, its write can sit in the network for longer than the lease, and its
 * clock can run slow or jump back (Kleppmann, "How to do distributed locking", 2016, "Making the
 * lock safe with fencing"). What makes it safe is the storage refusing old tokens; what the
 * client must do is carry the token, and believe the storage when it says "fenced".
 *
 * The rules the grader checks:
 * - Every WRITE_INTERVAL_MS (a "tick" timer): if you hold a lease that has not ended by your
 *   clock, send the storage one `write {id, token, op, key, value}` with your token (any op, key
 *   and value; alternate `put` and `append` if you like). If you hold none, send the lock server
 *   `acquire {id, ttlMs: LEASE_TTL_MS}` (again after ACQUIRE_RETRY_MS without an answer).
 * - Count your lease from the moment you SENT the acquire (or renew): the server started its
 *   clock later, so you err on the safe side. Renew when less than half of it is left (again
 *   after ACQUIRE_RETRY_MS without an answer).
 * - Requests and answers can be lost or slow: an answer may take most of ACQUIRE_RETRY_MS, so
 *   keep waiting for it until then, and send again (with a new id) after. A `renewed` or
 *   `not_holder` may also arrive after you dropped the lease by your clock: ignore it.
 * - `not_holder` for your token: you lost the lease; stop writing.
 * - `write_rejected` for your token: a newer holder exists. Drop the lease at once and never
 *   send another write with that token (a duplicated or late `granted` for it included).
 * - Liveness: keep asking; when the holder crashes, another client gets the lock after the lease.
 *
 * The grader reads `holding()` at every step.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
// Imported for the bodies you will write.
import {
  ACQUIRE_RETRY_MS,
  LEASE_TTL_MS,
  LOCK_SERVER,
  STORAGE,
  WRITE_INTERVAL_MS,
  type Msg,
  type Timer,
} from "./messages.ts";

export class LockClient implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;

  start(env: Env<Msg, Timer>): void {
    // TODO: keep env and set the first "tick" timer (a small random delay, from env.random(),
    // keeps the clients from ticking in lockstep).
    throw new NotImplemented("LockClient.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: "granted" (for your pending acquire), "busy", "renewed", "not_holder",
    // "write_rejected" as described above.
    throw new NotImplemented("LockClient.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: drop a lease that ended by your clock; then write (and renew if due), or acquire;
    // then set the timer again.
    throw new NotImplemented("LockClient.onTimer");
  }

  /** Read-only hook for the grader: the token of the lease you believe you hold, or null. */
  holding(): number | null {
    // TODO
    throw new NotImplemented("LockClient.holding");
  }
}
