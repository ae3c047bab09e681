/**
 * Reference participant (Part A, termination in Part B). Votes yes only with a durable prepare
 * record, never decides on its own after a yes, and while in doubt asks the coordinator and the
 * other participants (the cooperative termination protocol).
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  BALANCES_KEY,
  COORDINATOR,
  PART_LOG,
  QUERY_MS,
  type Decision,
  type Msg,
  type Prepare,
  type Timer,
  type TxnState,
  type Write,
} from "../src/messages.ts";

interface Rec {
  state: TxnState;
  write: Write;
  participants: NodeId[];
}

export class Participant implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private balance: Record<string, number> = {};
  private readonly recs = new Map<string, Rec>();
  /** When this life first knew the transaction in doubt (local clock). */
  private readonly doubtSince = new Map<string, number>();

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    this.balance = env.disk.read<Record<string, number>>(BALANCES_KEY) ?? {};
    for (const key of env.disk.keys()) {
      if (!key.startsWith(PART_LOG)) continue;
      const rec = env.disk.read<Rec>(key);
      if (!rec) continue;
      const txn = key.slice(PART_LOG.length);
      this.recs.set(txn, rec);
      if (rec.state === "prepared") this.doubtSince.set(txn, -Infinity);
    }
    env.setTimer(QUERY_MS, "tick");
  }

  onMessage(from: NodeId, msg: Msg): void {
    switch (msg.type) {
      case "prepare":
        this.prepare(msg);
        break;
      case "decision": {
        const rec = this.recs.get(msg.txn);
        if (rec?.state === "prepared") this.finish(msg.txn, rec, msg.decision);
        else if (!rec && msg.decision === "abort")
          this.record(msg.txn, { state: "aborted", write: { account: "", delta: 0 }, participants: [] });
        const now = this.recs.get(msg.txn)?.state;
        this.env.send(from, {
          type: "ack",
          txn: msg.txn,
          decision: now === "committed" ? "commit" : now === "aborted" ? "abort" : msg.decision,
        });
        break;
      }
      case "status_req": {
        let rec = this.recs.get(msg.txn);
        if (!rec) {
          // Not voted yet: abort now (durably), and vote no if the prepare comes later.
          rec = { state: "aborted", write: { account: "", delta: 0 }, participants: [] };
          this.record(msg.txn, rec);
          this.env.disk.sync();
        }
        this.env.send(from, { type: "status", txn: msg.txn, state: rec.state === "prepared" ? "in_doubt" : rec.state });
        break;
      }
      case "status": {
        const rec = this.recs.get(msg.txn);
        // Only a decided participant settles the doubt; another one in doubt tells nothing.
        if (rec?.state === "prepared" && msg.state !== "in_doubt")
          this.finish(msg.txn, rec, msg.state === "committed" ? "commit" : "abort");
        break;
      }
      default:
        break;
    }
  }

  onTimer(_tag: Timer): void {
    const now = this.env.now();
    for (const [txn, since] of this.doubtSince) {
      const rec = this.recs.get(txn);
      if (rec?.state !== "prepared") {
        this.doubtSince.delete(txn);
        continue;
      }
      if (now - since < QUERY_MS) continue;
      this.env.send(COORDINATOR, { type: "query", txn });
      for (const p of rec.participants) if (p !== this.env.id) this.env.send(p, { type: "status_req", txn });
    }
    this.env.setTimer(QUERY_MS, "tick");
  }

  /** Read-only hook for the grader: this participant's record of `txn`, if any. */
  state(txn: string): TxnState | undefined {
    return this.recs.get(txn)?.state;
  }

  /** Read-only hook for the grader: the committed balances. */
  balances(): Record<string, number> {
    return { ...this.balance };
  }

  private prepare(msg: Prepare): void {
    const known = this.recs.get(msg.txn);
    if (known) {
      // A duplicate: the same vote again (a decided "committed" had voted yes).
      this.env.send(COORDINATOR, { type: "vote", txn: msg.txn, vote: known.state === "aborted" ? "no" : "yes" });
      return;
    }
    const locked = [...this.recs.values()].some((r) => r.state === "prepared" && r.write.account === msg.write.account);
    if (locked || (this.balance[msg.write.account] ?? 0) + msg.write.delta < 0) {
      this.record(msg.txn, { state: "aborted", write: msg.write, participants: msg.participants });
      this.env.send(COORDINATOR, { type: "vote", txn: msg.txn, vote: "no" });
      return;
    }
    this.record(msg.txn, { state: "prepared", write: msg.write, participants: msg.participants });
    // Durable before the vote: a yes is a promise that survives a crash.
    this.env.disk.sync();
    this.doubtSince.set(msg.txn, this.env.now());
    this.env.send(COORDINATOR, { type: "vote", txn: msg.txn, vote: "yes" });
  }

  private finish(txn: string, rec: Rec, decision: Decision): void {
    if (decision === "commit") {
      this.balance[rec.write.account] = (this.balance[rec.write.account] ?? 0) + rec.write.delta;
      this.env.disk.write(BALANCES_KEY, this.balance);
    }
    this.record(txn, { ...rec, state: decision === "commit" ? "committed" : "aborted" });
    this.env.disk.sync();
    this.doubtSince.delete(txn);
  }

  private record(txn: string, rec: Rec): void {
    this.recs.set(txn, rec);
    this.env.disk.write(PART_LOG + txn, rec);
  }
}
