/**
 * Part D: a lock held on a majority of independent lock servers (node ids "m1", "m2", ...), the
 * Redlock algorithm (redis.io, "Distributed Locks with Redis"; Kleppmann, "How to do
 * distributed locking", 2016, for why it is not enough).
 *
 * Five servers (LOCK_SERVERS, each your Part A LockServer) know nothing of each other. A client
 * holds the lock when QUORUM of them granted it a lease; two majorities intersect, so two
 * clients cannot both hold a majority of RUNNING leases. But the client only knows when it SENT
 * its requests and when the answers came; the leases run on the servers' clocks, which may drift
 * by up to CLOCK_DRIFT_BOUND. So:
 * - On a "tick" (every MAJORITY_TICK_MS): if you hold the lock and your clock has reached the end
 *   of your hold, stop holding and release every grant (`release {id, token}` to each server that
 *   granted). If you neither hold nor are trying, send `acquire {id, ttlMs: LEASE_TTL_MS}` to
 *   every server, with one id for the attempt, and note when you sent it (`env.now()`).
 * - On `granted` for the current attempt: remember it. Once QUORUM servers granted, your hold
 *   lasts until sentAt + LEASE_TTL_MS - margin, where the margin covers servers running
 *   CLOCK_DRIFT_BOUND fast AND your own clock running as slow (2 * CLOCK_DRIFT_BOUND * LEASE_TTL_MS,
 *   plus a millisecond or two). If that moment has already passed, you do not hold the lock:
 *   release the grants.
 * - On `busy` from more than LOCK_SERVERS.length - QUORUM servers, or after LEASE_TTL_MS without a
 *   majority: the attempt failed; release what you were granted and wait a short random time
 *   (env.random()) before trying again.
 * - A `granted` you will not hold with: release it at once, whether it answers an attempt you gave
 *   up or comes after the majority you hold with (a fourth or fifth grant, even one that arrives
 *   while you hold the lock). Kept, it blocks its server until its lease runs out.
 *
 * The grader reads `holding()` at every step: at most one client may believe it holds the lock.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
// Imported for the bodies you will write.
import {
  CLOCK_DRIFT_BOUND,
  LEASE_TTL_MS,
  LOCK_SERVERS,
  MAJORITY_TICK_MS,
  QUORUM,
  type Msg,
  type Timer,
} from "./messages.ts";

export class MajorityLockClient implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;

  start(env: Env<Msg, Timer>): void {
    // TODO: keep env; set the first "tick" timer after a small random delay.
    throw new NotImplemented("MajorityLockClient.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: "granted" (count it for the current attempt, or release it), "busy" (count it).
    throw new NotImplemented("MajorityLockClient.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: end a hold that ran out, give up an attempt that took too long, start a new attempt;
    // then set the timer again.
    throw new NotImplemented("MajorityLockClient.onTimer");
  }

  /** Read-only hook for the grader: whether you hold the lock now, by your clock. */
  holding(): boolean {
    // TODO
    throw new NotImplemented("MajorityLockClient.holding");
  }
}
