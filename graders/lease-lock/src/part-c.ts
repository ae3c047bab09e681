/**
 * Part C: fencing. The learner's lock clients write under the learner's lock server to the
 * learner's fenced storage, and the grader attacks the holder: it holds back the holder's writes
 * in the network, pauses the holder past its lease and moves its clock back, lets its clock
 * drift, delays and duplicates every message, crashes the storage and the holder. Whatever
 * happens, the storage's acceptances must stay in token order, and a holder told it is fenced
 * must stop; and the lock and the storage must keep serving (writes land once things calm down).
 */
import type { Scenario } from "@faultline/grading";
import { LEASE_TTL_MS, LOCK_SERVER, STORAGE, WRITE_INTERVAL_MS } from "@faultline/lab-lease-lock";
import { fmt, type NodeId } from "@faultline/sim";
import type { Ctx, L, Sim } from "./props.ts";
import { fencedCluster } from "./cluster.ts";
import { expectedValues } from "./part-b.ts";
import { FenceWatch, LeaseWatch, messageOf } from "./watch.ts";

/** Three fenced writers, with the grants and the storage's answers watched from the start. */
function watchedFencedCluster(ctx: Ctx): { sim: Sim; writers: NodeId[]; leases: LeaseWatch; fences: FenceWatch } {
  const { sim, writers } = fencedCluster(ctx, 3);
  const leases = new LeaseWatch(sim);
  const fences = new FenceWatch(sim);
  watchHolding(sim, writers, leases);
  return { sim, writers, leases, fences };
}

/**
 * A client writes with a token only before that lease ends by its own clock, counted from when it
 * sent the acquire or renew the server answered; and once told by the lock server that its token
 * is not the running lease (not_holder: the lease has ended, and a token's lease never comes
 * back), or by the storage that it is fenced, it writes no more with it. And each client's
 * `holding()` hook, after every step: a token the server granted to that client, not one the
 * storage or the server has told it is over; and the token it has just written with.
 */
function watchHolding(sim: Sim, writers: readonly NodeId[], leases: LeaseWatch): void {
  const fenced = new Set<string>();
  const wrote = new Map<NodeId, number>();
  let kept: string | undefined;
  let late: string | undefined;
  /** Local send time of each acquire and renew, and each client's lease end per token, by its clock. */
  const sentAt = new Map<string, number>();
  const leaseEnd = new Map<string, number>();
  sim.onEvent((e) => {
    if (e.kind === "deliver" && e.peer === STORAGE && writers.includes(e.node)) {
      const m = messageOf(e);
      if (m?.type === "write_rejected") fenced.add(`${e.node}:${m.token}`);
    } else if (e.kind === "deliver" && e.peer === LOCK_SERVER && writers.includes(e.node)) {
      const m = messageOf(e);
      if (m?.type === "not_holder") fenced.add(`${e.node}:${m.token}`);
      if (m?.type === "granted" || m?.type === "renewed") {
        // The longest the client may count on: from the send of the request this answers.
        const from = sentAt.get(`${e.node}:${m.id}`);
        const key = `${e.node}:${m.token}`;
        if (from !== undefined) leaseEnd.set(key, Math.max(leaseEnd.get(key) ?? -Infinity, from + m.ttlMs));
      }
    } else if (e.kind === "send" && e.peer === LOCK_SERVER && writers.includes(e.node)) {
      const m = messageOf(e);
      if (m?.type === "acquire" || m?.type === "renew") sentAt.set(`${e.node}:${m.id}`, sim.localTime(e.node));
    } else if (e.kind === "send" && e.peer === STORAGE && writers.includes(e.node)) {
      const m = messageOf(e);
      if (m?.type !== "write") return;
      wrote.set(e.node, m.token);
      const until = leaseEnd.get(`${e.node}:${m.token}`);
      const now = sim.localTime(e.node);
      if (!late && (until === undefined || now >= until))
        late = `${e.node} wrote with token ${m.token} at ${fmt(now)} ms on its own clock, but ${until === undefined ? "it was never granted that token" : `that lease, counted from when it SENT the acquire or renew that the server answered, ended at ${fmt(until)} ms on its clock`}: a client writes only while its lease runs by its own clock`;
      if (!kept && fenced.has(`${e.node}:${m.token}`))
        kept = `${e.node} wrote with token ${m.token} after it was told that lease is over (not_holder from the lock server, or write_rejected from the storage): drop the lease at once and stop writing with it`;
    }
  });
  sim.addInvariant("a holder told its lease is over stops writing", () => kept);
  sim.addInvariant("a client writes only under its lease, by its own clock", () => late);
  sim.addInvariant("holding() tells the lease the client uses", () => {
    for (const w of writers) {
      const just = wrote.get(w);
      wrote.delete(w);
      if (!sim.isUp(w)) continue;
      const h = sim.node<{ holding(): number | null }>(w)?.holding() ?? null;
      if (h === null) {
        if (just !== undefined)
          return `${w} has just written with token ${just}, but its holding() says null: it must name the lease it writes under`;
        continue;
      }
      if (!leases.grants.some((g) => g.token === h && g.holder === w))
        return `${w}'s holding() says token ${h}, which the lock server never granted to ${w}`;
      if (fenced.has(`${w}:${h}`))
        return `${w} was told that token ${h}'s lease is over (write_rejected, or not_holder), but its holding() still says ${h}: drop the lease at once`;
    }
    return undefined;
  });
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

/** How long a stalled holder is paused: twice its lease, and then some. */
const PAUSE_MS = 2 * LEASE_TTL_MS + 500;

/**
 * Hold back `holder`'s writes in the network, pause it past its lease and set its clock back,
 * `setBack()` ms (by default three leases), so that on resume it believes its lease still runs;
 * `whilePaused` runs once the lease has passed on. Then let everything through.
 */
async function stalledHolder(
  ctx: Ctx,
  sim: Sim,
  holder: NodeId,
  whilePaused?: () => Promise<void> | void,
  setBack: () => number = () => 3 * LEASE_TTL_MS,
): Promise<void> {
  sim.clog(holder, STORAGE);
  await sim.runFor(2 * WRITE_INTERVAL_MS + 50);
  sim.pause(holder);
  const back = Math.round(setBack());
  sim.clockJump(holder, -back);
  ctx.log(`${holder} paused with its writes held in the network and its clock set back ${back} ms`);
  await sim.runFor(PAUSE_MS);
  await whilePaused?.();
  sim.resume(holder);
  await sim.runFor(30);
  sim.unclog(holder, STORAGE);
  await sim.runFor(LEASE_TTL_MS);
}

interface FencedHook {
  highest(): number;
  values(): Record<string, string>;
}

/**
 * The storage holds what it acknowledged: its values are the accepted writes applied in order
 * (duplicates included, across its restarts), and its highest token is the highest it accepted.
 */
function judgeFencedStorage(ctx: Ctx, sim: Sim, fences: FenceWatch): void {
  const store = sim.node<FencedHook>(STORAGE);
  if (!store) ctx.fail("the storage is up", "the storage is down at the end of the run");
  const want = expectedValues(fences.accepted);
  const got = store.values();
  for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) {
    ctx.check(
      got[k] === want[k],
      "the storage keeps every write it accepted",
      () =>
        `the storage answered write_ok to ${fences.accepted.length} writes; applied in that order, "${k}" should hold ${JSON.stringify(want[k])} but values() says ${JSON.stringify(got[k])}: apply every accepted write (put replaces, append adds at the end) and keep the data durable with the token`,
    );
  }
  const highest = fences.accepted.reduce((a, w) => Math.max(a, w.token), 0);
  ctx.check(
    store.highest() === highest,
    "the storage keeps every write it accepted",
    () => `the highest token the storage accepted is ${highest}, but highest() says ${store.highest()}`,
  );
}

/**
 * Once faults are healed, writes land again: at least CALM_WRITES in the next 2 s. With `leases`
 * (clocks that keep time), the holder also keeps its lock through those 2 s by renewing it: no
 * new lease is granted.
 */
async function writesLandAgain(ctx: Ctx, sim: Sim, fences: FenceWatch, leases?: LeaseWatch): Promise<void> {
  sim.healAll();
  await sim.runFor(LEASE_TTL_MS);
  const before = fences.accepted.length;
  const grants = leases?.grants.length ?? 0;
  const from = sim.now;
  await sim.runFor(2000);
  if (leases) {
    const granted = leases.grants.slice(grants);
    ctx.check(
      granted.length === 0,
      "a holder renews its lease",
      () =>
        `from t=${fmt(from)} ms, with no fault and clocks that keep time, the lock server granted ${granted.map((g) => `${g.holder} token ${g.token} at t=${fmt(g.grantedAtTrue)} ms`).join(", ")} within 2 s: the holder should have kept its lease by renewing it when less than half was left`,
    );
  }
  const landed = fences.accepted.length - before;
  ctx.metric("writes accepted in a calm 2 s", landed);
  ctx.check(
    landed >= CALM_WRITES,
    "writes land when all is calm",
    () =>
      `from t=${fmt(from)} ms, with no fault for ${fmt(LEASE_TTL_MS)} ms, only ${landed} writes were accepted in 2 s (a holder writes every ${WRITE_INTERVAL_MS} ms; at least ${CALM_WRITES} expected). Does the storage refuse a holder's second write with the same token (equal is allowed), or do clients stop asking for the lock?`,
  );
  judgeFencedStorage(ctx, sim, fences);
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
        // In the second round the holder wakes with a quarter of its lease left by its clock: it
        // renews, and the lock server's not_holder must stop it before the storage has to.
        const left = () => (leases.current()?.expiresAt ?? sim.localTime(LOCK_SERVER)) - sim.localTime(LOCK_SERVER);
        await stalledHolder(
          ctx,
          sim,
          holder,
          undefined,
          round === 1 ? () => PAUSE_MS + LEASE_TTL_MS / 4 - left() : undefined,
        );
      }
      ctx.metric("writes fenced", fences.rejected.length);
      ctx.check(
        fences.rejected.length > 0,
        "the storage fences late writes",
        "no write was ever refused, yet a paused holder's writes arrived after a newer holder's: answer write_rejected to a token lower than the highest accepted",
      );
      await writesLandAgain(ctx, sim, fences, leases);
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
      await writesLandAgain(ctx, sim, fences, leases);
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
      await writesLandAgain(ctx, sim, fences, leases);
    },
  },
];
