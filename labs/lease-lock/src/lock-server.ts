/**
 * Part A: a lease lock server (node id "lock").
 *
 * A lease is a lock granted for a bounded time (Gray & Cheriton, "Leases: An Efficient
 * Fault-Tolerant Mechanism for Distributed File Cache Consistency", SOSP 1989): if the holder
 * crashes or is cut off, the lock comes back by itself when the lease ends, without anyone
 * having to decide that the holder is dead. Every grant also carries a fencing token, a number
 * that grows with every grant (Chubby's "sequencer", Burrows, OSDI 2006, §2.4; Kleppmann,
 * "How to do distributed locking", 2016), which the storage of Part C uses to refuse a holder
 * whose lease has been handed on.
 *
 * The rules the grader checks (times are on YOUR clock, `env.now()`, the only one you have):
 * - `acquire {id, ttlMs}`: if no lease is current, grant one: a token one higher than any token
 *   ever granted, lasting min(ttlMs, MAX_TTL_MS) from now; answer `granted {id, token, ttlMs}`.
 *   Otherwise answer `busy {id}`. A duplicate of the acquire that the current lease answered
 *   (same sender, same id) gets the same `granted` again, never a second lease.
 * - `renew {id, token}` from the holder of the current, unexpired lease: it now ends ttlMs from
 *   now; answer `renewed {id, token, ttlMs}`. Anything else (an expired lease, a token that is
 *   not the current one, a sender that is not the holder): `not_holder {id, token}`, no change.
 * - `release {id, token}` from the holder of the current lease ends it (`released`); from anyone
 *   else, `not_holder` and the lease stands.
 * - Crash and restart: the token must never go back, so write it to `env.disk` and `sync()`
 *   BEFORE sending `granted` (a crash loses unsynced writes). A restarted server has forgotten
 *   the current lease, which may still run: grant nothing for MAX_TTL_MS after a restart that
 *   found a token on disk (answer `busy`).
 *
 * The grader reads `lease()` after every step in which this server ran (a message, a timer, its
 * start).
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
// Imported for the bodies you will write.
import { MAX_TTL_MS, TOKEN_KEY, type LeaseView, type Msg, type Timer } from "./messages.ts";

export class LockServer implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;

  start(env: Env<Msg, Timer>): void {
    // TODO: keep env; read the last token from env.disk (TOKEN_KEY). If there was one, this is a
    // restart: refuse grants until env.now() + MAX_TTL_MS.
    throw new NotImplemented("LockServer.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: "acquire", "renew" and "release" as described above. Persist (write + sync) the new
    // token before answering "granted".
    throw new NotImplemented("LockServer.onMessage");
  }

  onTimer(tag: Timer): void {
    // Nothing to do: a lease expires when env.now() passes its end, no timer needed.
  }

  /** Read-only hook for the grader: the current, unexpired lease (by your clock), or null. */
  lease(): LeaseView | null {
    // TODO
    throw new NotImplemented("LockServer.lease");
  }
}
