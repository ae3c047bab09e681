/**
 * Reference coordinator (Part A, recovery in Part B). Two-phase commit with presumed abort: a
 * "collecting" record before the prepares, the commit record forced before anyone hears of the
 * commit, aborts neither forced nor acknowledged, and no record meaning abort.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  COORD_LOG,
  PARTICIPANTS,
  RESEND_MS,
  VOTE_TIMEOUT_MS,
  type Begin,
  type Decision,
  type Msg,
  type Timer,
  type Write,
} from "../src/messages.ts";

interface Rec {
  state: "collecting" | Decision;
  client: NodeId;
  writes: Record<NodeId, Write>;
}

interface Live extends Rec {
  txn: string;
  yes: Set<NodeId>;
  acked: Set<NodeId>;
  since: number;
}

export class Coordinator implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private readonly txns = new Map<string, Live>();

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    for (const key of env.disk.keys()) {
      if (!key.startsWith(COORD_LOG)) continue;
      const rec = env.disk.read<Rec>(key);
      if (!rec) continue;
      const t: Live = { ...rec, txn: key.slice(COORD_LOG.length), yes: new Set(), acked: new Set(), since: env.now() };
      this.txns.set(t.txn, t);
      // Undecided at the crash: nobody can have heard "commit", so abort it now.
      if (t.state === "collecting") this.decide(t, "abort");
      else if (t.state === "commit") this.sendDecision(t);
    }
    env.setTimer(RESEND_MS, "tick");
  }

  onMessage(from: NodeId, msg: Msg): void {
    switch (msg.type) {
      case "begin":
        this.begin(from, msg);
        break;
      case "vote": {
        const t = this.txns.get(msg.txn);
        if (t?.state !== "collecting") break;
        if (msg.vote === "no") this.decide(t, "abort");
        else {
          t.yes.add(from);
          if (PARTICIPANTS.every((p) => t.yes.has(p))) this.decide(t, "commit");
        }
        break;
      }
      case "ack": {
        const t = this.txns.get(msg.txn);
        if (t && t.state === "commit") t.acked.add(from);
        break;
      }
      case "query": {
        const t = this.txns.get(msg.txn);
        // Presumed abort: no record, or an abort record, is an abort. Still collecting: wait.
        if (t?.state === "collecting") break;
        this.env.send(from, { type: "decision", txn: msg.txn, decision: t?.state === "commit" ? "commit" : "abort" });
        break;
      }
      default:
        break;
    }
  }

  onTimer(_tag: Timer): void {
    const now = this.env.now();
    for (const t of this.txns.values()) {
      if (t.state === "collecting") {
        if (now - t.since >= VOTE_TIMEOUT_MS) this.decide(t, "abort");
        else
          for (const p of PARTICIPANTS)
            if (!t.yes.has(p))
              this.env.send(p, { type: "prepare", txn: t.txn, write: t.writes[p]!, participants: [...PARTICIPANTS] });
      } else if (t.state === "commit") this.sendDecision(t);
    }
    this.env.setTimer(RESEND_MS, "tick");
  }

  private begin(from: NodeId, msg: Begin): void {
    const known = this.txns.get(msg.txn);
    if (known) {
      if (known.state !== "collecting") this.env.send(from, { type: "outcome", txn: msg.txn, decision: known.state });
      return;
    }
    const t: Live = {
      txn: msg.txn,
      state: "collecting",
      client: from,
      writes: msg.writes,
      yes: new Set(),
      acked: new Set(),
      since: this.env.now(),
    };
    this.txns.set(t.txn, t);
    this.log(t);
    this.env.disk.sync();
    for (const p of PARTICIPANTS)
      this.env.send(p, { type: "prepare", txn: t.txn, write: t.writes[p]!, participants: [...PARTICIPANTS] });
  }

  private decide(t: Live, decision: Decision): void {
    t.state = decision;
    this.log(t);
    // The commit record is durable before anyone hears of the commit; an abort need not be
    // (presumed abort: a lost abort record reads as abort anyway).
    if (decision === "commit") this.env.disk.sync();
    this.sendDecision(t);
    this.env.send(t.client, { type: "outcome", txn: t.txn, decision });
  }

  private sendDecision(t: Live): void {
    if (t.state === "collecting") return;
    const decision = t.state;
    for (const p of PARTICIPANTS) if (!t.acked.has(p)) this.env.send(p, { type: "decision", txn: t.txn, decision });
    // Presumed abort: an abort is sent once and never acknowledged.
    if (decision === "abort") for (const p of PARTICIPANTS) t.acked.add(p);
  }

  private log(t: Live): void {
    const rec: Rec = { state: t.state, client: t.client, writes: t.writes };
    this.env.disk.write(COORD_LOG + t.txn, rec);
  }
}
