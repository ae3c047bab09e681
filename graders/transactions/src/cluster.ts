/**
 * The cluster of the lab (a coordinator and three participants, all the learner's), the grader's
 * client endpoint c1 that begins transactions, and the grader's crash points.
 */
import {
  COORDINATOR,
  PARTICIPANTS,
  type Decision,
  type Msg,
  type Timer,
  type Write,
} from "@faultline/lab-transactions";
import type { NodeId, Simulation, TraceEvent } from "@faultline/sim";
import type { Ctx, Sim } from "./props.ts";
import { messageOf, TxnWatch } from "./watch.ts";

/** The coordinator and p1..p3, with the grader's client c1. */
export function txnCluster(ctx: Ctx): Sim {
  return ctx.sim<Msg>({
    nodes: [COORDINATOR, ...PARTICIPANTS],
    clients: 1,
    factory: (id) => (id === COORDINATOR ? new ctx.impl.Coordinator() : new ctx.impl.Participant()),
  });
}

/** Delays, and duplicates on every link. */
export function hostile(sim: Sim, duplicate: number, delayMs: [number, number]): void {
  sim.setFaults({ drop: 0, duplicate, copies: 2, delay: { kind: "uniform", min: delayMs[0], max: delayMs[1] } });
}

/**
 * Every scenario's start: the cluster under duplicates and delays, the watch that checks the
 * whole history, and the grader's client.
 */
export function setUp(
  ctx: Ctx,
  duplicate: number,
  delayMs: [number, number],
): { sim: Sim; watch: TxnWatch; client: TxnClient } {
  const sim = txnCluster(ctx);
  hostile(sim, duplicate, delayMs);
  return { sim, watch: new TxnWatch(sim), client: new TxnClient(sim) };
}

/** Writes that every participant can do (deposits), or that one participant must refuse. */
export function deposits(ctx: Ctx, account: string): Record<NodeId, Write> {
  return Object.fromEntries(PARTICIPANTS.map((p) => [p, { account, delta: 1 + ctx.rng.int(9) }]));
}

/** Deposits, except at `refuser`, where the withdrawal is larger than any balance can be. */
export function refused(ctx: Ctx, account: string, refuser: NodeId): Record<NodeId, Write> {
  const w = deposits(ctx, account);
  w[refuser] = { account, delta: -1_000_000 };
  return w;
}

/** The grader's client: begins a transaction and waits for its outcome, asking again. */
export class TxnClient {
  private n = 0;
  constructor(private readonly sim: Sim) {}

  /** A fresh transaction id. */
  next(prefix = "t"): string {
    return `${prefix}${++this.n}`;
  }

  /** `begin`, resent every `everyMs` until an outcome or `withinMs`; the outcome or undefined. */
  async run(
    txn: string,
    writes: Record<NodeId, Write>,
    withinMs: number,
    everyMs = 200,
  ): Promise<Decision | undefined> {
    const c = this.sim.client("c1");
    const until = this.sim.now + withinMs;
    while (this.sim.now < until) {
      const r = await c.call(
        COORDINATOR,
        { type: "begin", txn, writes },
        (m) => m.type === "outcome" && m.txn === txn,
        Math.min(everyMs, until - this.sim.now),
      );
      if (r?.type === "outcome") return r.decision;
    }
    return undefined;
  }

  /** Ask the coordinator about `txn` (as a participant would); its decision or undefined. */
  async query(txn: string, withinMs: number): Promise<Decision | undefined> {
    const r = await this.sim
      .client("c1")
      .call(COORDINATOR, { type: "query", txn }, (m) => m.type === "decision" && m.txn === txn, withinMs);
    return r?.type === "decision" ? r.decision : undefined;
  }

  sleep(ms: number): Promise<void> {
    return this.sim.client("c1").sleep(ms);
  }
}

/** Where a crash point fires: a message `node` sends or receives. */
export interface CrashPoint<M = Msg> {
  /** What the point is, for the log and failure messages. */
  label: string;
  node: NodeId;
  kind: "send" | "deliver";
  match: (m: M, peer: NodeId) => boolean;
  /** For a send: also lose the message that fired the point (cut every link out of `node`). */
  cutFirst?: boolean;
}

/**
 * Arms a crash point: at the first matching event, every link out of the node is cut at once (so
 * the rest of that step's sends are lost, as if the crash came in the middle of them), the node
 * crashes right after the step, and the links are restored. `down` says when to restart it
 * (never when undefined). Resolves when the crash has happened.
 */
export function crashAt<M = Msg>(
  sim: Simulation<M, Timer>,
  point: CrashPoint<M>,
  down: number | undefined,
  onCrash?: () => void,
): { fired: () => boolean } {
  let armed = true;
  let fired = false;
  const others = () => [...sim.endpoints].filter((x) => x !== point.node);
  sim.onEvent((e: TraceEvent) => {
    if (!armed || e.kind !== point.kind || e.node !== point.node || e.peer === undefined) return;
    const m = messageOf<M>(e);
    if (!m || !point.match(m, e.peer)) return;
    armed = false;
    if (point.kind === "send")
      for (const x of others()) if (x !== e.peer || point.cutFirst) sim.blockOneWay(point.node, x);
    sim.after(0, `crash ${point.node}: ${point.label}`, () => {
      if (point.kind === "send") for (const x of others()) sim.unblockOneWay(point.node, x);
      if (sim.isUp(point.node)) sim.crash(point.node);
      fired = true;
      onCrash?.();
      if (down !== undefined) sim.after(down, `restart ${point.node}`, () => sim.restart(point.node));
    });
  });
  return { fired: () => fired };
}

export { runUntilSettled } from "@faultline/grading";
