/**
 * Part C: fencing. The learner's lock clients write under the learner's lock server to the
 * learner's fenced storage, and the grader attacks the holder: it holds back the holder's writes
 * in the network, pauses the holder past its lease and moves its clock back, lets its clock
 * drift, delays and duplicates every message, crashes the storage and the holder. Whatever
 * happens, the storage's acceptances must stay in token order, and a holder told it is fenced
 * must stop; and the lock and the storage must keep serving (writes land once things calm down).
 */
import type { Scenario } from "@faultline/grading";
import { LEASE_TTL_MS, STORAGE, WRITE_INTERVAL_MS } from "@faultline/lab-lease-lock";
import { fmt, type NodeId } from "@faultline/sim";
import type { Ctx, L, Sim } from "./props.ts";
import { fencedCluster } from "./cluster.ts";
import { FenceWatch, LeaseWatch } from "./watch.ts";

/** Three fenced writers, with the grants and the storage's answers watched from the start. */
function watchedFencedCluster(ctx: Ctx): { sim: Sim; writers: NodeId[]; leases: LeaseWatch; fences: FenceWatch } {
  const { sim, writers } = fencedCluster(ctx, 3);
  return { sim, writers, leases: new LeaseWatch(sim), fences: new FenceWatch(sim) };
}

/** Writes that must land in a calm second with a holder writing every WRITE_INTERVAL_MS. */
const CALM_WRITES = 5;

/** The holder of the running lease, by the lock server's answers, if it is a client node. */
async function waitForHolder(
  ctx: Ctx,
  sim: Sim,
  leases: LeaseWatch,
  writers: readonly NodeId[],
  what: string,
): Promise<NodeId> {
  let holder: NodeId | undefined;
  await sim.runUntil(
    () => {
      const l = leases.current();
      holder = l && writers.includes(l.holder) && sim.isUp(l.holder) && !sim.isPaused(l.holder) ? l.holder : undefined;
      return holder !== undefined;
    },
    { maxMs: 4 * LEASE_TTL_MS },
  );
  if (holder === undefined)
    ctx.fail(
      "the lock is taken",
      `${what}: for ${4 * LEASE_TTL_MS} ms (until t=${fmt(sim.now)} ms) no client held the lock, although the clients keep asking for it`,
    );
  return holder;
}

/**
 * Hold back `holder`'s writes in the network, pause it past its lease and set its clock back,
 * so that on resume it believes its lease still runs; `whilePaused` runs once the lease has
 * passed on. Then let everything through.
 */
async function stalledHolder(
  ctx: Ctx,
  sim: Sim,
  holder: NodeId,
  whilePaused?: () => Promise<void> | void,
): Promise<void> {
  sim.clog(holder, STORAGE);
  await sim.runFor(2 * WRITE_INTERVAL_MS + 50);
  sim.pause(holder);
  sim.clockJump(holder, -3 * LEASE_TTL_MS);
  ctx.log(`${holder} paused with its writes held in the network and its clock set back ${3 * LEASE_TTL_MS} ms`);
  await sim.runFor(2 * LEASE_TTL_MS + 500);
  await whilePaused?.();
  sim.resume(holder);
  await sim.runFor(30);
  sim.unclog(holder, STORAGE);
  await sim.runFor(LEASE_TTL_MS);
}

/** Once faults are healed, writes land again: at least CALM_WRITES in the next 2 s. */
async function writesLandAgain(ctx: Ctx, sim: Sim, fences: FenceWatch): Promise<void> {
  sim.healAll();
  await sim.runFor(LEASE_TTL_MS);
  const before = fences.accepted.length;
  const from = sim.now;
  await sim.runFor(2000);
  const landed = fences.accepted.length - before;
  ctx.metric("writes accepted in a calm 2 s", landed);
  ctx.check(
    landed >= CALM_WRITES,
    "writes land when all is calm",
    () =>
      `from t=${fmt(from)} ms, with no fault for ${fmt(LEASE_TTL_MS)} ms, only ${landed} writes were accepted in 2 s (a holder writes every ${WRITE_INTERVAL_MS} ms; at least ${CALM_WRITES} expected). Does the storage refuse a holder's second write with the same token (equal is allowed), or do clients stop asking for the lock?`,
  );
}

export const partC: Array<Scenario<L>> = [
  {
    part: "C",
    name: "a paused holder's late writes are fenced",
    points: 12,
    seeds: 6,
    hints: [
      "The holder's writes are held in the network while it is paused for twice the lease and its clock is set back; meanwhile another client takes the lock and writes. When the old writes arrive, the storage must refuse them: a token lower than the highest accepted is fenced.",
      "Check EVERY write against the highest token, puts and appends alike, and answer write_rejected. Equal tokens are the current holder writing again: accept them.",
      "When your client gets write_rejected for its token, drop the lease at once: its clock says the lease still runs, but the storage knows better. Never write with that token again.",
    ],
    async run(ctx) {
      const { sim, writers, leases, fences } = watchedFencedCluster(ctx);
      for (let round = 0; round < 3; round++) {
        const holder = await waitForHolder(ctx, sim, leases, writers, `round ${round + 1}`);
        await stalledHolder(ctx, sim, holder);
      }
      ctx.metric("writes fenced", fences.rejected.length);
      ctx.check(
        fences.rejected.length > 0,
        "the storage fences late writes",
        "no write was ever refused, yet a paused holder's writes arrived after a newer holder's: answer write_rejected to a token lower than the highest accepted",
      );
      await writesLandAgain(ctx, sim, fences);
    },
  },
  {
    part: "C",
    name: "drifting clocks, delays and duplicates",
    points: 8,
    seeds: 6,
    hints: [
      "Every client clock drifts (up to 45% slow or fast), every message may be delayed up to 40 ms and duplicated, and clients are paused now and then. A slow clock makes a client believe its lease lasts longer than it does: only the storage's check makes that safe.",
      "Count your lease from the moment you SENT acquire or renew, and ignore answers to requests you no longer wait for (a duplicated granted must not start a second lease).",
    ],
    async run(ctx) {
      const { sim, writers, leases, fences } = watchedFencedCluster(ctx);
      for (const w of writers) sim.setClock(w, { offset: ctx.rng.int(10_000), drift: (ctx.rng.int(91) - 45) / 100 });
      sim.setFaults({ drop: 0, duplicate: 0.2, copies: 2, delay: { kind: "uniform", min: 1, max: 40 } });
      for (let i = 0; i < 6; i++) {
        await sim.runFor(300 + ctx.rng.int(700));
        const l = leases.current();
        const victim = l && writers.includes(l.holder) && ctx.rng.chance(0.7) ? l.holder : ctx.rng.pick(writers);
        if (sim.isPaused(victim)) continue;
        sim.pause(victim);
        await sim.runFor(LEASE_TTL_MS + ctx.rng.int(LEASE_TTL_MS));
        sim.resume(victim);
      }
      await sim.runFor(LEASE_TTL_MS);
      ctx.metric("writes fenced", fences.rejected.length);
      await writesLandAgain(ctx, sim, fences);
    },
  },
  {
    part: "C",
    name: "a restarted storage still fences",
    points: 8,
    seeds: 5,
    hints: [
      "The storage crashes and restarts while a superseded holder's writes are still in the network. After the restart it must still know the highest token it accepted.",
      "Write the highest token (with the data) to env.disk and sync() before answering write_ok; read it back in start(env).",
    ],
    async run(ctx) {
      const { sim, writers, leases, fences } = watchedFencedCluster(ctx);
      for (let round = 0; round < 2; round++) {
        const holder = await waitForHolder(ctx, sim, leases, writers, `round ${round + 1}`);
        await stalledHolder(ctx, sim, holder, async () => {
          sim.crash(STORAGE);
          await sim.runFor(50 + ctx.rng.int(200));
          sim.restart(STORAGE);
          ctx.log(`restarted the storage while ${holder}'s old writes are still held in the network`);
        });
      }
      await writesLandAgain(ctx, sim, fences);
    },
  },
  {
    part: "C",
    name: "a crashed holder's lock passes on",
    points: 7,
    seeds: 5,
    hints: [
      "The holder crashes and never releases. Its lease ends on the server's clock, and another client must get the lock and write within a couple of leases.",
      "Clients keep asking for the lock (acquire again ACQUIRE_RETRY_MS after an unanswered request, or after busy), and the server grants once the lease has ended.",
    ],
    async run(ctx) {
      const { sim, writers, leases, fences } = watchedFencedCluster(ctx);
      for (let round = 0; round < 2; round++) {
        const holder = await waitForHolder(ctx, sim, leases, writers, `round ${round + 1}`);
        await sim.runFor(ctx.rng.int(500));
        if (!sim.isUp(holder)) continue;
        sim.crash(holder);
        const at = sim.now;
        const bound = 2 * LEASE_TTL_MS + 500;
        const passed = await sim.runUntil(() => fences.accepted.some((a) => a.t > at && a.to !== holder), {
          maxMs: bound,
        });
        ctx.check(
          passed,
          "the lock passes on after a crash",
          () =>
            `${holder} crashed at t=${fmt(at)} ms holding the lock; ${bound} ms later no other client had written: its lease must end and another client take the lock`,
        );
        sim.restart(holder);
      }
      await writesLandAgain(ctx, sim, fences);
    },
  },
];
