/**
 * Cluster scenarios: clients add and read through a faulty network; the grader keeps the history
 * of adds (acknowledged, refused, or unknown when the client gave up waiting) and judges the
 * replicas against it.
 *
 * The judge is the counter rule Maelstrom uses: a read taken after everything has settled must
 * equal the sum of the acknowledged adds plus the deltas of some subset of the adds whose outcome
 * is unknown (a timed-out add may or may not have happened, but it happened entirely or not at all).
 * The acceptable set and the convergence report come from @faultline/check.
 */
import { checkConvergence, checkCounter, counterAcceptableSet, type CounterAdd, type Interval } from "@faultline/check";
import { fmt, type Node, type NodeId, type Rng, type Simulation } from "@faultline/sim";
import type { Msg, Timer } from "@faultline/lab-g-counter";
import type { Ctx } from "./props.ts";

export type Sim = Simulation<Msg, Timer>;

/** How long replicas get to agree once the network is healed (stated in the README). */
export const CONVERGENCE_BOUND_MS = 1000;

/** What the grader reads of a node: the lab's introspection hook. */
interface CounterHook {
  value(): number;
}

export interface AddOp {
  id: number;
  client: NodeId;
  node: NodeId;
  delta: number;
  sentAt: number;
  outcome: "pending" | "ok" | "error" | "unknown";
  error?: string;
}

/** Client requests and their outcomes. */
export class History {
  readonly adds: AddOp[] = [];
  private nextId = 1;

  constructor(private readonly sim: Sim) {}

  /** Send an add and wait up to `timeoutMs` for its answer. No retry: a retry could apply it twice. */
  async add(client: NodeId, node: NodeId, delta: number, timeoutMs: number): Promise<AddOp> {
    const id = this.nextId++;
    const op: AddOp = { id, client, node, delta, sentAt: this.sim.now, outcome: "pending" };
    this.adds.push(op);
    const r = await this.sim
      .client(client)
      .call(
        node,
        { type: "add", id, delta },
        (m) => (m.type === "add_ok" || m.type === "add_error") && m.id === id,
        timeoutMs,
      );
    if (r?.type === "add_ok") op.outcome = "ok";
    else if (r?.type === "add_error") {
      op.outcome = "error";
      op.error = r.error;
    } else op.outcome = "unknown";
    return op;
  }

  async read(client: NodeId, node: NodeId, timeoutMs: number): Promise<number | undefined> {
    const id = this.nextId++;
    const r = await this.sim
      .client(client)
      .call(node, { type: "read", id }, (m) => m.type === "read_ok" && m.id === id, timeoutMs);
    return r?.type === "read_ok" ? r.value : undefined;
  }

  /**
   * The adds as the counter checker sees them. Refused adds count for nothing; a fractional
   * delta (sent only to test refusal) can never be part of an integer counter, so it is left out.
   */
  counterAdds(): CounterAdd[] {
    return this.adds
      .filter((op) => Number.isSafeInteger(op.delta))
      .map((op) => ({
        delta: op.delta,
        outcome: op.outcome === "ok" ? "ok" : op.outcome === "error" ? "fail" : "unknown",
      }));
  }

  /** The most and the least the counter can be, given every add sent so far not refused. */
  bounds(): { max: number; min: number } {
    let max = 0;
    let min = 0;
    for (const op of this.adds) {
      if (op.outcome === "error") continue;
      if (op.delta > 0) max += op.delta;
      else min += op.delta;
    }
    return { max, min };
  }

  /** The acceptable final values: acked + the sum of any subset of the unknown deltas. */
  acceptable(): AcceptableSet {
    const adds = this.counterAdds();
    return new AcceptableSet(
      adds.reduce((a, x) => a + (x.outcome === "ok" ? x.delta : 0), 0),
      adds.filter((x) => x.outcome === "unknown").map((x) => x.delta),
    );
  }
}

/** Maelstrom's acceptable set (computed by @faultline/check), with messages for learners. */
export class AcceptableSet {
  private readonly set: Interval[];

  constructor(
    readonly acked: number,
    readonly unknown: readonly number[],
  ) {
    this.set = counterAcceptableSet([
      { delta: acked, outcome: "ok" },
      ...unknown.map((delta) => ({ delta, outcome: "unknown" as const })),
    ]).set;
  }

  has(v: number): boolean {
    return this.set.some((iv) => v >= iv.lo && v <= iv.hi);
  }

  /** Why `v` is not acceptable, in a few words. */
  why(v: number): string {
    const lo = this.acked + this.unknown.filter((d) => d < 0).reduce((a, b) => a + b, 0);
    const hi = this.acked + this.unknown.filter((d) => d > 0).reduce((a, b) => a + b, 0);
    if (v < lo) return `: it is ${lo - v} short, so acknowledged adds were lost or masked`;
    if (v > hi) return `: it is ${v - hi} too high, so something was counted twice or a decrement was undone`;
    return ": no combination of the adds with unknown outcome gives it";
  }

  describe(): string {
    if (this.unknown.length === 0)
      return `exactly ${this.acked}, the sum of the acknowledged adds (no add had an unknown outcome)`;
    const lo = this.acked + this.unknown.filter((d) => d < 0).reduce((a, b) => a + b, 0);
    const hi = this.acked + this.unknown.filter((d) => d > 0).reduce((a, b) => a + b, 0);
    return `the acknowledged adds (${this.acked}) plus any subset of the ${this.unknown.length} adds with unknown outcome [${this.unknown.join(", ")}], so between ${lo} and ${hi}`;
  }
}

export function hook(sim: Sim, id: NodeId): CounterHook | undefined {
  return sim.isUp(id) ? sim.node<CounterHook>(id) : undefined;
}

/**
 * Faults between nodes. Client links share the delay but lose only `clientDrop` of their
 * messages (an add then has an unknown outcome) and never duplicate them: an add is not
 * idempotent, and deduplicating client requests is not this lab's subject. Few unknown outcomes
 * keep the acceptable set narrow, so a lost increment cannot hide among them.
 */
export interface NodeFaults {
  drop: number;
  duplicate: number;
  copies?: number;
  delayMs: [number, number];
  clientDrop?: number;
}

export function nodeFaults(sim: Sim, f: NodeFaults): void {
  sim.setFaults({
    drop: f.drop,
    duplicate: f.duplicate,
    copies: f.copies ?? 2,
    delay: { kind: "uniform", min: f.delayMs[0], max: f.delayMs[1] },
  });
  const client = { drop: f.clientDrop ?? 0.02, duplicate: 0 };
  for (const c of sim.clientIds) {
    for (const n of sim.nodeIds) {
      sim.setLinkFaults(c, n, client);
      sim.setLinkFaults(n, c, client);
    }
  }
}

/**
 * Safety checked after every step: a G-Counter replica's value never goes down (increments and
 * merges are inflations) and never exceeds what clients tried to add. A restarted node is a new
 * instance and starts its own record.
 */
export function watchGCounter(sim: Sim, history: History): void {
  const last = new WeakMap<object, number>();
  sim.addInvariant("a replica's value never goes down", () => {
    for (const [id, node] of sim.liveNodes<CounterHook>()) {
      const v = node.value();
      const before = last.get(node as object);
      if (before !== undefined && v < before)
        return `${id} read ${before} and then ${v}: a merge or an increment made the state smaller`;
      last.set(node as object, v);
    }
    return undefined;
  });
  watchBounds(sim, history);
}

/**
 * The answers nodes send to clients' adds, by request id. The protocol gives an add exactly one
 * answer: add_ok once applied and durable, or add_error when refused (and nothing changed).
 */
export function watchAddAnswers(sim: Sim): Map<number, string[]> {
  const answers = new Map<number, string[]>();
  const clients = new Set<string>(sim.clientIds);
  sim.onEvent((e) => {
    if (e.kind !== "send" || e.peer === undefined || !clients.has(e.peer)) return;
    const text = e.payload ?? (e.msg !== undefined ? JSON.stringify(e.msg) : undefined);
    const m = text === undefined ? undefined : (JSON.parse(text) as { type?: string; id?: number });
    if (m?.type !== "add_ok" && m?.type !== "add_error") return;
    if (typeof m.id !== "number") return;
    answers.set(m.id, [...(answers.get(m.id) ?? []), `${m.type} from ${e.node}`]);
  });
  return answers;
}

/** On a network that neither loses nor duplicates: each of `adds` got exactly one answer. */
export function oneAnswerPerAdd(ctx: Ctx, adds: readonly AddOp[], answers: Map<number, string[]>): void {
  for (const op of adds) {
    const got = answers.get(op.id) ?? [];
    ctx.check(
      got.length === 1,
      "an add gets exactly one answer",
      () =>
        `add ${op.delta} sent to ${op.node} (request ${op.id}) was answered ${got.length === 0 ? "not at all" : got.join(", then ")}: answer add_ok once it is applied and durable, or add_error (and change nothing), never both`,
    );
  }
}

/** Every replica's value lies between what clients could at most have subtracted and added. */
export function watchBounds(sim: Sim, history: History): void {
  sim.addInvariant("no replica counts more than clients added", () => {
    const { max, min } = history.bounds();
    for (const [id, node] of sim.liveNodes<CounterHook>()) {
      const v = node.value();
      if (v > max)
        return `${id} reads ${v}, but clients have only ever tried to add ${max} in total (is something counted twice, e.g. a duplicated gossip?)`;
      if (v < min) return `${id} reads ${v}, but clients have only ever tried to subtract ${-min} in total`;
    }
    return undefined;
  });
}

/**
 * A cluster of G-Counter nodes (`GCounterNode` unless `factory` says otherwise) with `faults`
 * between nodes (see nodeFaults), its history, and the G-Counter invariants (watchGCounter).
 */
export function gcounterCluster(
  ctx: Ctx,
  o: { nodes: number; clients: number; faults?: NodeFaults; factory?: () => Node<Msg, Timer> },
): { sim: Sim; history: History } {
  const sim: Sim = ctx.sim({
    nodes: o.nodes,
    clients: o.clients,
    factory: o.factory ?? (() => new ctx.impl.GCounterNode()),
  });
  if (o.faults) nodeFaults(sim, o.faults);
  const history = new History(sim);
  watchGCounter(sim, history);
  return { sim, history };
}

/** A delta of 1 to 5. */
export const smallDelta = (rng: { int(n: number): number }) => 1 + rng.int(5);

export interface ClientPlan {
  /** The clients that run the plan (default: every client). */
  clients?: readonly NodeId[];
  /** Adds per client. */
  adds: number;
  /** The nodes a client may send its next add to (default: every node). */
  targets?: () => readonly NodeId[];
  delta: (rng: Rng) => number;
  gapMs: [number, number];
  timeoutMs: number;
  /** Also read from a random target after this fraction of adds. */
  readChance?: number;
}

/** Start one workload per client; resolves when every client is done. */
export function runClients(sim: Sim, history: History, rng: Rng, plan: ClientPlan): Promise<void> {
  const targets = plan.targets ?? (() => sim.nodeIds);
  const all = (plan.clients ?? sim.clientIds).map((c) =>
    sim.spawn(`client ${c}`, async () => {
      const ep = sim.client(c);
      for (let i = 0; i < plan.adds; i++) {
        const node = rng.pick(targets());
        await history.add(c, node, plan.delta(rng), plan.timeoutMs);
        if (plan.readChance && rng.chance(plan.readChance)) await history.read(c, rng.pick(targets()), plan.timeoutMs);
        await ep.sleep(Math.round(rng.range(plan.gapMs[0], plan.gapMs[1])));
      }
    }),
  );
  return Promise.all(all).then(() => undefined);
}

function showValues(sim: Sim, nodes: readonly NodeId[]): string {
  return nodes.map((n) => `${n} reads ${hook(sim, n)?.value() ?? "(down)"}`).join(", ");
}

/**
 * Require `nodes` to agree on an acceptable value within `boundMs`. Agreement on a value outside
 * the acceptable set, or no agreement, fails with what each replica reads.
 */
export async function requireConvergence(
  ctx: Ctx,
  sim: Sim,
  history: History,
  nodes: readonly NodeId[],
  boundMs: number,
  since: string,
): Promise<number> {
  const ok = history.acceptable();
  const start = sim.now;
  const agreed = (): number | undefined => {
    let v: number | undefined;
    for (const n of nodes) {
      const x = hook(sim, n)?.value();
      if (x === undefined || (v !== undefined && x !== v)) return undefined;
      v = x;
    }
    return v;
  };
  const converged = await sim.runUntil(
    () => {
      const v = agreed();
      return v !== undefined && ok.has(v);
    },
    { maxMs: boundMs },
  );
  if (!converged) {
    const v = agreed();
    if (v !== undefined)
      ctx.fail(
        "acceptable value",
        `${boundMs} ms after ${since} (t=${fmt(start)} ms) ${nodes.join(", ")} agree on ${v}, but the value must be ${ok.describe()}${ok.why(v)}`,
      );
    ctx.fail(
      "convergence",
      `${boundMs} ms after ${since} (t=${fmt(start)} ms) the replicas still disagree: ${showValues(sim, nodes)}; the value must be ${ok.describe()}`,
    );
  }
  return agreed() as number;
}

/**
 * Heal every fault, then require every node to converge within CONVERGENCE_BOUND_MS of that and
 * the final reads (by `reader`) to be acceptable.
 */
export async function healAndConverge(
  ctx: Ctx,
  sim: Sim,
  history: History,
  reader: NodeId,
  since = "the network healed",
): Promise<void> {
  sim.healAll();
  await requireConvergence(ctx, sim, history, sim.nodeIds, CONVERGENCE_BOUND_MS, since);
  await finalReads(ctx, sim, history, reader);
}

/**
 * Every node answers a client read, and all reads are equal and acceptable. Run after convergence
 * on a healed network, after a few more gossip rounds.
 */
export async function finalReads(ctx: Ctx, sim: Sim, history: History, client: NodeId): Promise<void> {
  await sim.runFor(500);
  const ok = history.acceptable();
  const got = new Map<NodeId, number | undefined>();
  sim.spawn("final reads", async () => {
    for (const n of sim.nodeIds) got.set(n, await history.read(client, n, 300));
  });
  await sim.runFor(sim.nodeIds.length * 300 + 50);
  const shown = sim.nodeIds.map((n) => `${n}: ${got.get(n) ?? "no answer"}`).join(", ");
  for (const n of sim.nodeIds) {
    ctx.check(
      got.get(n) !== undefined,
      "reads are answered",
      () => `${n} did not answer a read within 300 ms on a healed network (final reads: ${shown})`,
    );
  }
  const reads = sim.nodeIds.map((n) => ({ by: n, value: got.get(n) as number }));
  const counter = checkCounter(history.counterAdds(), reads);
  if (!counter.ok) {
    const bad = counter.badReads[0] as { by?: string; value: number };
    ctx.fail(
      "final reads are acceptable",
      `${bad.by} answered a final read with ${bad.value}, but the value must be ${ok.describe()}${ok.why(bad.value)} (final reads: ${shown})`,
    );
  }
  const agree = checkConvergence(new Map(reads.map((r) => [r.by, r.value])));
  ctx.check(agree.converged, "final reads agree", () => `after convergence the final reads differ: ${agree.message}`);
}

/** Messages nodes sent to nodes (gossip), per add request: the cost of state-based replication. */
export function reportCost(ctx: Ctx, sim: Sim, history: History): void {
  let gossip = 0;
  for (const [key, n] of sim.stats.sentByType) {
    const [from, type] = key.split(":");
    if (
      from !== undefined &&
      sim.nodeIds.includes(from) &&
      type !== undefined &&
      type !== "add_ok" &&
      type !== "add_error" &&
      type !== "read_ok"
    )
      gossip += n;
  }
  const adds = Math.max(1, history.adds.length);
  ctx.metric("node-to-node messages per add", Math.round((gossip / adds) * 10) / 10, "msgs");
  ctx.metric("node-to-node messages per second", Math.round(gossip / Math.max(0.001, sim.now / 1000)), "msgs/s");
}

export { runUntilSettled } from "@faultline/grading";
