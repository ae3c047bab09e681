/**
 * Part E (bonus): leader leases for reads. Replicas (node ids "r1", "r2", "r3") share one
 * register kept by the store (node id "store", the grader's: it fences tokens like your Part C
 * storage, and its clock keeps true time). The replica holding the lock of your Part A lock
 * server is the leader: it writes through the store, and answers reads from its own copy, without
 * asking anyone, while its lease lasts (Gray & Cheriton, "Leases", SOSP 1989; the Raft
 * dissertation, Ongaro 2014, section 6.4.1, "leases" for read-only queries).
 *
 * Fencing protects the writes: the store refuses a save whose token is below one it has seen. It
 * cannot protect a read the leader answers alone. Only time does: no other replica can become
 * leader before this lease ends on the lock server's clock, so the copy is current until then.
 * The leader only knows when it SENT its request, and its clock and the server's may drift by up
 * to CLOCK_DRIFT_BOUND each; beyond that bound, no margin is right (Kleppmann, "How to do
 * distributed locking", 2016, on timing assumptions). So:
 * - On a "tick" (every REPLICA_TICK_MS): ask the store `what_time {id}` (its answer `time_is` is
 *   the reference clock). If your lease has ended by your clock, step down. Without a lease, send
 *   `acquire {id, ttlMs: LEASE_TTL_MS}` to the lock server, noting when you sent it (env.now());
 *   with one, send `renew {id, token}` when less than half of it is left (noting when, too).
 * - `granted` / `renewed`: the lease lasts until sentAt + ttlMs, sentAt being when you SENT that
 *   request, not when the answer came (the answer may have spent a long time in the network).
 *   On a new grant, your copy may be old (another leader wrote meanwhile): send the store
 *   `load {id, token}` and serve nothing until `loaded` comes back for that token.
 * - `get` from a client: answer `value {id, value}` from your copy only if you hold a lease, have
 *   loaded under it, now < end of lease - margin (margin = 2 * CLOCK_DRIFT_BOUND * ttlMs, plus a
 *   millisecond or two: the server's clock may run that fast and yours that slow), and your clock
 *   is within the bound (below). Otherwise `not_leader {id}`.
 * - `put` from a client: as leader (lease and load done), `save {id, token, value}` to the store
 *   and, on `saved`, update your copy (if `version` is newer) and answer `put_ok`. `fenced` means
 *   a newer leader exists: answer `not_leader` and step down. Not leader: `not_leader`.
 * - Drift: keep samples (local time half-way between sending `what_time` and reading the answer,
 *   the answer's `at`). Your clock's rate is (local2 - local1) / (at2 - at1) over at least
 *   DRIFT_WINDOW_MS of reference time; serve no local read while you have no such measure or
 *   while |rate - 1| > CLOCK_DRIFT_BOUND (or, if you prefer, widen your margin by what you
 *   measured). A leader that trusts a clock running 45% slow answers reads long after its lease.
 *
 * The grader quotes `servingReads()` when a calm leader serves too few reads; what it checks is
 * on the wire.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
// Imported for the bodies you will write.
import {
  CLOCK_DRIFT_BOUND,
  DRIFT_WINDOW_MS,
  LEASE_TTL_MS,
  LOCK_SERVER,
  REPLICA_TICK_MS,
  STORAGE,
  type Msg,
  type Timer,
} from "./messages.ts";

export class LeaseLeader implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;

  start(env: Env<Msg, Timer>): void {
    // TODO: keep env; set the first "tick" timer after a small random delay.
    throw new NotImplemented("LeaseLeader.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: the lock server's answers (granted, renewed, not_holder), the store's (loaded, saved,
    // fenced, time_is) and the clients' requests (get, put).
    throw new NotImplemented("LeaseLeader.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: sample the reference clock; step down when the lease ended by your clock; acquire or
    // renew; then set the timer again.
    throw new NotImplemented("LeaseLeader.onTimer");
  }

  /** Read-only hook for the grader: whether a `get` arriving now would be answered from your copy. */
  servingReads(): boolean {
    // TODO
    throw new NotImplemented("LeaseLeader.servingReads");
  }
}
