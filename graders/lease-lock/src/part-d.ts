/**
 * Part D: a lock held on a majority of five independent lock servers (Redlock). Each server is
 * the learner's Part A LockServer; the clients are the learner's MajorityLockClient. With clocks
 * that drift within CLOCK_DRIFT_BOUND, at most one client may believe it holds the lock at any
 * moment of true time; that holds only if the client counts its hold from when it sent its
 * requests and leaves a margin for the drift. (What breaks it: a clock that JUMPS on one server,
 * beyond any bound; the grader's own test majority-clock-jump.test.ts shows it with the reference,
 * and the README explains why fencing tokens must then come from a single ordered source.)
 */
import type { Scenario } from "@faultline/grading";
import { CLOCK_DRIFT_BOUND, LOCK_SERVERS } from "@faultline/lab-lease-lock";
import { fmt, type NodeId } from "@faultline/sim";
import type { Ctx, L, Sim } from "./props.ts";
import { majorityCluster } from "./cluster.ts";

interface HoldHook {
  holding(): boolean;
}

/** At most one client holds at every step; returns the number of holds begun, per client. */
function watchHolders(sim: Sim, clients: readonly NodeId[]): Map<NodeId, number> {
  const holds = new Map<NodeId, number>(clients.map((c) => [c, 0]));
  const was = new Map<NodeId, boolean>();
  sim.addInvariant("at most one client holds the majority lock", () => {
    const now: NodeId[] = [];
    for (const c of clients) {
      const h = sim.isUp(c) ? sim.node<HoldHook>(c)?.holding() === true : false;
      if (h && !was.get(c)) holds.set(c, (holds.get(c) ?? 0) + 1);
      was.set(c, h);
      if (h) now.push(c);
    }
    if (now.length > 1)
      return `${now.join(" and ")} both believe they hold the lock at t=${fmt(sim.now)} ms (true time). A hold lasts from when the client SENT its acquires plus the lease, minus a margin for clocks drifting up to ${CLOCK_DRIFT_BOUND * 100}% either way, and needs a majority (${Math.floor(LOCK_SERVERS.length / 2) + 1} of ${LOCK_SERVERS.length}) of grants`;
    return undefined;
  });
  return holds;
}

/** Every drift within the bound, pushed to its edges: servers fast, clients slow (or random). */
function driftToEdges(ctx: Ctx, sim: Sim, clients: readonly NodeId[], worst: boolean): void {
  const edge = CLOCK_DRIFT_BOUND * 0.99;
  for (const s of LOCK_SERVERS)
    sim.setClock(s, { offset: ctx.rng.int(100_000), drift: worst ? edge : ctx.rng.chance(0.5) ? edge : -edge });
  for (const c of clients)
    sim.setClock(c, { offset: ctx.rng.int(100_000), drift: worst ? -edge : ctx.rng.chance(0.5) ? edge : -edge });
}

function requireHolds(
  ctx: Ctx,
  sim: Sim,
  holds: Map<NodeId, number>,
  clients: readonly NodeId[],
  atLeast: number,
): void {
  const total = clients.reduce((a, c) => a + (holds.get(c) ?? 0), 0);
  ctx.metric("majority holds", total);
  ctx.check(
    total >= atLeast,
    "the majority lock is taken",
    () =>
      `in ${fmt(sim.now)} ms the clients held the lock only ${total} times (at least ${atLeast} expected): attempt on every tick when you neither hold nor try, release grants you do not use, and back off a random few milliseconds after a failed attempt`,
  );
}

export const partD: Array<Scenario<L>> = [
  {
    part: "D",
    name: "a majority lock is exclusive under bounded drift",
    points: 12,
    seeds: 6,
    hints: [
      "Send acquire to all five servers at once and hold the lock once three granted. Two majorities share a server, and that server grants one lease at a time.",
      "The servers' leases run on their clocks, up to 10% fast; yours may be 10% slow. Hold until sentAt + LEASE_TTL_MS - margin with margin = 2 * CLOCK_DRIFT_BOUND * LEASE_TTL_MS (+ 2 ms), counting from when you SENT the acquires.",
      "When your hold ends, release every grant; a failed attempt (too many busy, or no majority within the lease) releases what it got, and waits a random few milliseconds before the next.",
    ],
    async run(ctx) {
      const { sim, clients } = majorityCluster(ctx, 3);
      driftToEdges(ctx, sim, clients, false);
      sim.setFaults({ drop: 0, duplicate: 0.1, copies: 2, delay: { kind: "uniform", min: 1, max: 30 } });
      const holds = watchHolders(sim, clients);
      await sim.runFor(4000);
      const victim = ctx.rng.pick(LOCK_SERVERS);
      sim.crash(victim);
      await sim.runFor(500);
      sim.restart(victim);
      await sim.runFor(5500);
      requireHolds(ctx, sim, holds, clients, 6);
    },
  },
  {
    part: "D",
    name: "slow grants shorten the hold",
    points: 8,
    seeds: 6,
    hints: [
      "One client's answers take 300 to 700 ms to arrive, and every clock drifts to the edge of the bound against you. The lease started on the servers long before the third grant reached the client.",
      "Count the hold from when you SENT the acquires, not from when the majority arrived; if sentAt + LEASE_TTL_MS - margin has already passed when the third grant comes, you do not hold the lock: release the grants.",
    ],
    async run(ctx) {
      const { sim, clients } = majorityCluster(ctx, 3);
      driftToEdges(ctx, sim, clients, true);
      sim.setFaults({ drop: 0, duplicate: 0, delay: { kind: "uniform", min: 1, max: 10 } });
      const slow = ctx.rng.pick(clients);
      for (const s of LOCK_SERVERS) sim.setLinkFaults(s, slow, { delay: { kind: "uniform", min: 300, max: 700 } });
      ctx.log(`answers to ${slow} take 300-700 ms`);
      const holds = watchHolders(sim, clients);
      await sim.runFor(10_000);
      // Every client's holds count: the slow client legitimately wins many rounds, so the fast
      // two alone held it 3 to 11 times over 1,000 seeds, all three together 10 or 11 times.
      requireHolds(ctx, sim, holds, clients, 6);
    },
  },
];
