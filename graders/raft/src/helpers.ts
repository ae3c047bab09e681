/** Building blocks shared by the scenarios. */
import type { NodeId } from "@faultline/sim";
import type * as Raft from "@faultline/lab-raft";
import { Cluster, describeOp, drive, entryKey, lastIndexOf, type ClusterOptions, type RaftLab } from "./cluster.ts";
import { History, RaftClient } from "./client.ts";
import type { ScenarioContext } from "@faultline/grading";

export function cluster(ctx: ScenarioContext<RaftLab>, opts: ClusterOptions): Cluster {
  return new Cluster(ctx, opts);
}

export function clients(cl: Cluster, history?: History): RaftClient[] {
  return cl.sim.clientIds.map((id, i) => new RaftClient(cl, id, i, history));
}

/** A cluster with exactly one client, the shape of most scenarios. */
export function clusterWithClient(
  ctx: ScenarioContext<RaftLab>,
  opts: Omit<ClusterOptions, "clients">,
): { cl: Cluster; c: RaftClient } {
  const cl = cluster(ctx, { ...opts, clients: 1 });
  return { cl, c: clients(cl)[0] as RaftClient };
}

export interface CommitOptions {
  /** How many running nodes must hold the entry committed (default: all of `among`). */
  expected?: number;
  among?: readonly NodeId[];
  withinMs?: number;
  /**
   * Require the entry committed on `expected` nodes, not only stored there. Without a new
   * entry of its own term a new leader cannot advance commitIndex past older entries, so
   * after leader changes the default is to require the acknowledged entry stored.
   */
  strict?: boolean;
}

/**
 * Submit `op` through `client` and wait until it is committed on `expected` nodes; returns its
 * log index. Fails the scenario (liveness) when that does not happen in time.
 */
export async function commit(
  cl: Cluster,
  client: RaftClient,
  op: Raft.Operation,
  opts: CommitOptions = {},
): Promise<number> {
  const among = opts.among ?? cl.ids;
  const expected = opts.expected ?? among.length;
  const within = opts.withinMs ?? 3_000;
  const what = `${client.clientId}'s request #${client.lastSeq + 1} ${describeOp(op)} is answered`;
  const out = await drive(cl, what, () => client.run(op, { deadlineMs: within }), within + 500);
  if (!out.ok) {
    cl.ctx.fail(
      "liveness",
      `${what}: no answer within ${within} ms although ${among.join(", ")} can talk to each other (is a leader elected, does it replicate and commit, does it answer after applying?)`,
    );
  }
  if (out.index === 0)
    cl.ctx.fail(
      "client protocol",
      `${out.by} answered ${client.clientId}'s request #${client.lastSeq} but has no such committed entry in its log`,
    );
  const by = cl.node(out.by);
  const key = by ? cl.keyAt(by, out.index) : "";
  if (opts.strict)
    await cl.sim.require(
      () => cl.committedOn(out.index, key, among) >= expected,
      `entry ${out.index} (${describeOp(op)}) is committed on ${expected} of ${among.join(", ")}`,
      1_000,
    );
  else
    await cl.sim.require(
      () => cl.storedOn(out.index, key, among) >= expected,
      `acknowledged entry ${out.index} (${describeOp(op)}) is replicated to ${expected} of ${among.join(", ")}`,
      1_000,
    );
  return out.index;
}

/**
 * Every client of `cs` runs `step(client, i, k)` (its k-th operation) with a little think time
 * until `until`. Then the run goes on to `until`, every fault heals, and `final` must commit
 * through the first client within 3 s.
 */
export async function runClientsUntil(
  cl: Cluster,
  cs: readonly RaftClient[],
  until: number,
  slackMs: number,
  step: (c: RaftClient, i: number, k: number) => Promise<unknown>,
  final: Raft.Operation,
): Promise<void> {
  await drive(
    cl,
    "clients run until the faults stop",
    () =>
      Promise.all(
        cs.map(async (c, i) => {
          let k = 0;
          while (cl.sim.now < until) {
            await step(c, i, k++);
            await c.endpoint.sleep(cl.ctx.rng.int(20)); // think time
          }
        }),
      ),
    until + slackMs,
  );
  await cl.sim.runUntil(() => false, { maxMs: Math.max(0, until + 1 - cl.sim.now) });
  cl.sim.healAll();
  await commit(cl, cs[0] as RaftClient, final, { withinMs: 3_000 });
}

/**
 * Run until `problem()` finds nothing (undefined) or `withinMs` of virtual time pass; returns
 * what it still finds then. For checks that need the cluster to catch up (a follower learns
 * the commit index with the next AppendEntries), so they never sample one early moment.
 */
export async function settle(
  cl: Cluster,
  problem: () => string | undefined,
  withinMs = 3_000,
): Promise<string | undefined> {
  await cl.sim.runUntil(() => problem() === undefined, { maxMs: withinMs });
  return problem();
}

/** Wait `ms` of virtual time. */
export async function idle(cl: Cluster, ms: number): Promise<void> {
  await cl.sim.runFor(ms);
}

/** Random distinct nodes. */
export function pickNodes(cl: Cluster, k: number, from: readonly NodeId[] = cl.ids): NodeId[] {
  return cl.ctx.rng.shuffle([...from]).slice(0, k);
}

export function others(cl: Cluster, ...ids: NodeId[]): NodeId[] {
  return cl.ids.filter((x) => !ids.includes(x));
}

/**
 * Every running node of `among` has the same log as the first one: the same last index and the
 * same entries (an index a snapshot replaced compares as the committed entry recorded there).
 */
export function logsEqual(cl: Cluster, among: readonly NodeId[] = cl.ids): string | undefined {
  let refId: NodeId | undefined;
  let ref: RaftNodeOf | undefined;
  for (const id of among) {
    const n = cl.node(id);
    if (!n) continue;
    if (!ref) {
      ref = n;
      refId = id;
      continue;
    }
    const last = lastIndexOf(ref);
    if (lastIndexOf(n) !== last) return `${id} has ${lastIndexOf(n)} entries, ${refId} has ${last}`;
    for (let i = 1; i <= last; i++)
      if (cl.keyAt(n, i) !== cl.keyAt(ref, i)) return `${id} and ${refId} differ at index ${i}`;
  }
  return undefined;
}

type RaftNodeOf = NonNullable<ReturnType<Cluster["node"]>>;

export { History, RaftClient, describeOp, drive, entryKey };
export type { Outcome } from "./client.ts";
