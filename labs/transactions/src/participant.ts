/**
 * Parts A and B: a participant of two-phase commit (node ids "p1", "p2", "p3").
 *
 * A yes vote is a promise: "whatever you decide, I can do it, even after a crash". So the
 * prepare record must be durable before the vote leaves, and after voting yes the participant is
 * IN DOUBT: it may not decide on its own, in either direction, until it learns the decision
 * (Gray & Reuter ch. 10; Bernstein, Hadzilacos & Goodman ch. 7.3). This is why 2PC blocks.
 *
 * The rules the grader checks:
 * - `prepare {txn, write, participants}`: vote no if `write.account` is locked (by a txn you voted
 *   yes on and have not seen decided) or the balance would go below zero; record the txn as
 *   "aborted" (no sync needed: presumed abort) and send `vote no`. Otherwise write a "prepared"
 *   record (key PART_LOG + txn, with the write and the participants), sync() it, THEN send
 *   `vote yes`. A duplicate prepare gets the same vote again.
 * - `decision {txn, decision}` for a prepared txn: apply it (commit adds the delta to the
 *   balance, kept at BALANCES_KEY), mark the record committed or aborted, sync(), then `ack`.
 *   A decision for a txn already decided (a duplicate) gets the ack again. An abort for a txn you
 *   never prepared: record it aborted.
 * - Never abort a txn you voted yes on because of a timeout or a restart: only the decision may.
 * - Part B, in doubt: every QUERY_MS (timer), for each prepared txn, send `query {txn}` to the
 *   coordinator (its `decision` answer settles it) and `status_req {txn}` to the other
 *   participants of the txn: the cooperative termination protocol (Bernstein et al. ch. 7.4).
 * - `status_req {txn}`: answer `status` with "committed", "aborted" or "in_doubt" (prepared). If
 *   you have no record, you have not voted: record the txn aborted, sync(), answer "aborted".
 * - `status {txn, state}`: "committed" or "aborted" from a decided peer settles a prepared txn.
 *   "in_doubt" settles NOTHING: a peer that voted yes knows no more than you do.
 * - Restart: read the records and balances back; prepared txns are still in doubt.
 *
 * The grader reads `state(txn)` and `balances()`.
 */
import { NotImplemented, type Env, type Node, type NodeId } from "@faultline/sim";
// Imported for the bodies you will write.
import { BALANCES_KEY, COORDINATOR, PART_LOG, QUERY_MS, type Msg, type Timer, type TxnState } from "./messages.ts";

export class Participant implements Node<Msg, Timer> {
  protected env!: Env<Msg, Timer>;

  start(env: Env<Msg, Timer>): void {
    // TODO: keep env; read the balances (BALANCES_KEY) and every record under PART_LOG back;
    // start a timer of QUERY_MS.
    throw new NotImplemented("Participant.start");
  }

  onMessage(from: NodeId, msg: Msg): void {
    // TODO: "prepare", "decision", "status_req" and "status" as described above. Sync the
    // prepared record before voting yes.
    throw new NotImplemented("Participant.onMessage");
  }

  onTimer(tag: Timer): void {
    // TODO: for each txn in doubt, query the coordinator and send status_req to the other
    // participants; set the timer again. Never decide here.
    throw new NotImplemented("Participant.onTimer");
  }

  /** Read-only hook for the grader: your record of `txn` ("prepared", "committed", "aborted"). */
  state(txn: string): TxnState | undefined {
    // TODO
    throw new NotImplemented("Participant.state");
  }

  /** Read-only hook for the grader: the committed balances by account. */
  balances(): Record<string, number> {
    // TODO
    throw new NotImplemented("Participant.balances");
  }
}
