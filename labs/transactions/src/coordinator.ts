/**
 * Parts A and B: the coordinator of two-phase commit (node id "coord").
 *
 * Two-phase commit (Gray & Reuter, "Transaction Processing: Concepts and Techniques", 1993,
 * ch. 10; Bernstein, Hadzilacos & Goodman, "Concurrency Control and Recovery in Database
 * Systems", 1987, ch. 7.3): phase one asks every participant to prepare and collects the votes;
 * phase two tells them the decision. The decision is the coordinator's alone, and it exists only
 * once it is in the coordinator's log: that is the commit point.
 *
 * The rules the grader checks:
 * - `begin {txn, writes}` from the client: write a "collecting" record for txn to env.disk
 *   (key COORD_LOG + txn) and sync() it, then send `prepare {txn, write, participants}` to each
 *   of PARTICIPANTS with its own write. A duplicate begin of a decided txn gets its `outcome`
 *   again; of an undecided one, nothing.
 * - Every participant voted yes (count participants, not messages: votes are duplicated):
 *   decide commit. Any vote no, or VOTE_TIMEOUT_MS without every vote: decide abort.
 * - To decide: write the decision into the txn's record; for COMMIT, sync() BEFORE sending
 *   anything (the decision is made durable before anyone hears of it). Then send `decision` to
 *   every participant and `outcome` to the client.
 * - Presumed abort (Mohan, Lindsay & Obermarck, "Transaction Management in the R* Distributed
 *   Database Management System", ACM TODS 11(4), 1986): an abort need not be synced nor
 *   acknowledged, and a `query` about a txn with no record, or an abort record, is answered
 *   `decision abort`. A query about a txn still collecting votes gets no answer yet.
 * - Resend every RESEND_MS (timer): prepare to participants that have not voted; commit to
 *   participants that have not acked.
 * - Part B, restart (`start` on a fresh instance): read every record back. A "collecting" one was
 *   undecided at the crash, so nobody can have heard commit: decide abort now and send it. A
 *   "commit" one: send commit again to every participant until each acks.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
// Imported for the bodies you will write.
import { COORD_LOG, PARTICIPANTS, RESEND_MS, VOTE_TIMEOUT_MS, type Msg, type Timer } from "./messages.ts";

export class Coordinator implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;

  start(env: Env<Msg, Timer>): void {
    // TODO: keep env; read every record under COORD_LOG from env.disk (a restart): abort the
    // "collecting" ones, resend the "commit" ones; start a timer of RESEND_MS.
    throw new NotImplemented("Coordinator.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: "begin", "vote", "ack" and "query" as described above. Log (and for commit, sync)
    // the decision before sending it or telling the client.
    throw new NotImplemented("Coordinator.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: abort transactions that waited VOTE_TIMEOUT_MS for votes; resend prepares and
    // unacknowledged commits; set the timer again.
    throw new NotImplemented("Coordinator.onTimer");
  }
}
