/**
 * What the grader sees of a run, and the rules it must obey over the whole history. The grader
 * trusts no node's account of itself: the coordinator's decision is what it sends (`decision`,
 * `outcome`), a participant's is what its record says at each step (`state(txn)`), read after
 * every step, and what it answers other participants (`status`).
 */
import { eventMessage, fmt, type NodeId, type TraceEvent } from "@faultline/sim";
import { COORDINATOR, PARTICIPANTS, type Decision, type Msg, type TxnState } from "@faultline/lab-transactions";
import type { Sim } from "./props.ts";

/** The message of a send or deliver event. */
export function messageOf<M = Msg>(e: TraceEvent): M | undefined {
  return eventMessage<M>(e);
}

interface ParticipantView {
  state(txn: string): TxnState | undefined;
  balances(): Record<string, number>;
}

/** A decision someone made known, first of its transaction. */
interface Announced {
  decision: Decision;
  by: string;
  t: number;
}

/**
 * The rules of two-phase commit over the whole run:
 * - atomicity: every announcement of a transaction's outcome (the coordinator's decisions and
 *   outcomes, each participant's record, its status answers) names one decision;
 * - a commit only after every participant's yes reached the coordinator;
 * - a participant that voted yes decides only when told: by the coordinator's decision or a
 *   decided participant's status.
 */
export class TxnWatch {
  /** The first announcement of each transaction's outcome. */
  readonly decided = new Map<string, Announced>();
  /** Writes of every begun transaction, by participant. */
  readonly writes = new Map<string, Record<NodeId, { account: string; delta: number }>>();
  /** When each participant voted yes (true time), by "p:txn". */
  readonly yesAt = new Map<string, number>();
  /** When each participant first sent a no vote (true time), by "p:txn". */
  readonly noAt = new Map<string, number>();
  /** When each participant first received a prepare (true time), by "p:txn". */
  readonly preparedAt = new Map<string, number>();
  /** Decision messages the coordinator sent (resends and answers to queries included). */
  decisionsSent = 0;
  /** How long each yes voter stayed in doubt (true time, ms), by "p:txn", once decided. */
  readonly inDoubt = new Map<string, number>();
  private readonly yesSeen = new Set<string>();
  private readonly toldAt = new Map<string, Decision>();
  private readonly last = new Map<string, TxnState | undefined>();
  private atomicity: string | undefined;
  private onItsOwn: string | undefined;
  private badRecord: string | undefined;
  private commitEarly: string | undefined;

  constructor(private readonly sim: Sim) {
    sim.onEvent((e) => this.event(e));
    // A participant deciding on its own is the cause of the split that follows: reported first.
    sim.addInvariant("a participant that voted yes waits for the decision", () => {
      this.scan();
      return this.onItsOwn;
    });
    sim.addInvariant("all participants commit or all abort", () => this.atomicity);
    sim.addInvariant("commit only after every yes", () => this.commitEarly);
    sim.addInvariant("a record is prepared, committed or aborted", () => this.badRecord);
  }

  /** Transactions begun so far. */
  txns(): string[] {
    return [...this.writes.keys()];
  }

  private announce(txn: string, decision: Decision, by: string): void {
    const first = this.decided.get(txn);
    if (!first) {
      this.decided.set(txn, { decision, by, t: this.sim.now });
      return;
    }
    if (first.decision !== decision && !this.atomicity) {
      this.atomicity = `${txn}: ${first.by} made it ${first.decision} at t=${fmt(first.t)} ms, and then ${by} made it ${decision} at t=${fmt(this.sim.now)} ms: a transaction has one outcome everywhere, for ever`;
    }
  }

  private event(e: TraceEvent): void {
    if ((e.kind !== "send" && e.kind !== "deliver") || e.peer === undefined) return;
    const m = messageOf(e);
    if (!m) return;
    if (e.kind === "send") {
      if (m.type === "begin" && e.peer === COORDINATOR && !this.writes.has(m.txn)) this.writes.set(m.txn, m.writes);
      if (e.node === COORDINATOR && m.type === "decision") this.decisionsSent++;
      if (e.node === COORDINATOR && (m.type === "decision" || m.type === "outcome")) {
        if (m.decision === "commit" && !this.commitEarly) {
          const missing = PARTICIPANTS.filter((p) => !this.yesSeen.has(`${p}:${m.txn}`));
          if (missing.length > 0)
            this.commitEarly = `the coordinator sent commit of ${m.txn} to ${e.peer}, but no yes vote of ${missing.join(", ")} had reached it: commit needs a yes from every participant (count participants, not vote messages)`;
        }
        this.announce(m.txn, m.decision, `the coordinator (${m.type} to ${e.peer})`);
      }
      if (PARTICIPANTS.includes(e.node)) {
        if (m.type === "vote" && m.vote === "yes" && !this.yesAt.has(`${e.node}:${m.txn}`))
          this.yesAt.set(`${e.node}:${m.txn}`, e.t);
        if (m.type === "vote" && m.vote === "no" && !this.noAt.has(`${e.node}:${m.txn}`))
          this.noAt.set(`${e.node}:${m.txn}`, e.t);
        if (m.type === "status" && m.state !== "in_doubt")
          this.participantDecides(
            e.node,
            m.txn,
            m.state === "committed" ? "commit" : "abort",
            `status answer to ${e.peer}`,
          );
      }
    } else {
      if (e.node === COORDINATOR && m.type === "vote" && m.vote === "yes") this.yesSeen.add(`${e.peer}:${m.txn}`);
      if (PARTICIPANTS.includes(e.node)) {
        if (m.type === "prepare" && !this.preparedAt.has(`${e.node}:${m.txn}`))
          this.preparedAt.set(`${e.node}:${m.txn}`, e.t);
        if (m.type === "decision" && e.peer === COORDINATOR) this.toldAt.set(`${e.node}:${m.txn}`, m.decision);
        if (m.type === "status" && m.state !== "in_doubt")
          this.toldAt.set(`${e.node}:${m.txn}`, m.state === "committed" ? "commit" : "abort");
      }
    }
  }

  private participantDecides(p: NodeId, txn: string, decision: Decision, how: string): void {
    const key = `${p}:${txn}`;
    const yes = this.yesAt.get(key);
    if (yes !== undefined && !this.inDoubt.has(key)) this.inDoubt.set(key, this.sim.now - yes);
    if (yes !== undefined && !this.onItsOwn) {
      const told = this.toldAt.get(key);
      if (told !== decision) {
        this.onItsOwn = `${p} voted yes on ${txn} at t=${fmt(yes)} ms and then decided ${decision} (${how}) at t=${fmt(this.sim.now)} ms without being told ${decision} by the coordinator or by a participant that knew it: after a yes a participant is in doubt and must wait (a timeout, a restart, a peer that is itself in doubt decide nothing)`;
      }
    }
    this.announce(txn, decision, `${p} (${how})`);
  }

  /** Reads every participant's record of every transaction, after every step. */
  private scan(): void {
    for (const p of PARTICIPANTS) {
      const node = this.sim.isUp(p) ? this.sim.node<ParticipantView>(p) : undefined;
      if (!node) continue;
      for (const txn of this.writes.keys()) {
        const key = `${p}:${txn}`;
        const s = node.state(txn);
        if (s === this.last.get(key)) continue;
        this.last.set(key, s);
        if (s !== undefined && s !== "prepared" && s !== "committed" && s !== "aborted" && !this.badRecord)
          this.badRecord = `${p}'s state(${txn}) is ${JSON.stringify(s)} at t=${fmt(this.sim.now)} ms: a participant's record of a transaction is "prepared", "committed" or "aborted" (a decision is "commit" or "abort"; a record is not)`;
        if (s === "committed" || s === "aborted")
          this.participantDecides(p, txn, s === "committed" ? "commit" : "abort", `its record says ${s}`);
      }
    }
  }

  /** Every participant's balances equal the sum of the committed transactions' deltas. */
  checkBalances(): string | undefined {
    for (const p of PARTICIPANTS) {
      const node = this.sim.node<ParticipantView>(p);
      if (!node) continue;
      const want: Record<string, number> = {};
      for (const [txn, w] of this.writes) {
        const write = w[p];
        if (write && this.decided.get(txn)?.decision === "commit")
          want[write.account] = (want[write.account] ?? 0) + write.delta;
      }
      const got = node.balances();
      for (const acc of new Set([...Object.keys(want), ...Object.keys(got)])) {
        if ((want[acc] ?? 0) !== (got[acc] ?? 0)) {
          const txns = [...this.writes]
            .filter(([t, w]) => w[p]?.account === acc && this.decided.get(t)?.decision === "commit")
            .map(([t]) => t);
          return `${p}'s balance of ${acc} is ${got[acc] ?? 0}, but the transactions committed on it (${txns.join(", ") || "none"}) add up to ${want[acc] ?? 0}: a committed write must be applied once at every participant, even one that crashed in doubt (its prepare record must hold the write)`;
        }
      }
    }
    return undefined;
  }

  /** Transactions some participant of which has not decided yet, as "p:txn (state)". */
  undecided(): string[] {
    const out: string[] = [];
    for (const p of PARTICIPANTS) {
      const node = this.sim.isUp(p) ? this.sim.node<ParticipantView>(p) : undefined;
      for (const txn of this.writes.keys()) {
        const s = node?.state(txn);
        if (s === "prepared" || (!this.decided.has(txn) && this.yesAt.has(`${p}:${txn}`)))
          out.push(`${p}:${txn} (${s ?? "down"})`);
      }
    }
    return out;
  }

  /** The longest and mean time a yes voter stayed in doubt (locked), over the decided ones. */
  lockedMs(): { longest: number; mean: number; count: number } {
    const v = [...this.inDoubt.values()];
    if (v.length === 0) return { longest: 0, mean: 0, count: 0 };
    return {
      longest: Math.round(Math.max(...v)),
      mean: Math.round(v.reduce((a, b) => a + b, 0) / v.length),
      count: v.length,
    };
  }
}
