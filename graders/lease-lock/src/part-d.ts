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
import {
  CLOCK_DRIFT_BOUND,
  LEASE_TTL_MS,
  LOCK_SERVERS,
  MAJORITY_TICK_MS,
  MAX_TTL_MS,
  QUORUM,
  type Granted,
} from "@faultline/lab-lease-lock";
import { fmt, type NodeId } from "@faultline/sim";
import type { Ctx, L, Sim } from "./props.ts";
import { majorityCluster } from "./cluster.ts";
import { messageOf } from "./watch.ts";

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

/**
 * While a client believes it holds the lock, a majority of the servers' own lease() hooks name it
 * (for runs without server crashes: a restarted server forgets its lease and covers it by a grace
 * period instead). A grant counted after its lease ran out on the server breaks this at once.
 */
function watchBacking(sim: Sim, clients: readonly NodeId[]): void {
  sim.addInvariant("a holder's majority is real", () => {
    for (const c of clients) {
      if (!sim.isUp(c) || sim.node<HoldHook>(c)?.holding() !== true) continue;
      const backing = LOCK_SERVERS.filter(
        (s) => sim.isUp(s) && sim.node<{ lease(): { holder: NodeId } | null }>(s)?.lease()?.holder === c,
      );
      if (backing.length < QUORUM)
        return `${c} believes it holds the lock at t=${fmt(sim.now)} ms (true time), but only ${backing.length === 0 ? "no server" : backing.join(", ")} still ${backing.length === 1 ? "has a lease" : "have leases"} for it by their own clocks (a majority is ${QUORUM}). Count a grant only for the attempt in progress (its id), and hold from when you SENT the acquires`;
    }
    return undefined;
  });
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

/** Links without loss or duplicates, answers within 10 ms: the faults of a test are its own. */
const CALM_LINKS = { drop: 0, duplicate: 0, delay: { kind: "uniform", min: 1, max: 10 } } as const;

/** Run `ms` under both invariants (one holder, a real majority), then require `atLeast` holds. */
async function runWatched(ctx: Ctx, sim: Sim, clients: readonly NodeId[], ms: number, atLeast: number): Promise<void> {
  const holds = watchHolders(sim, clients);
  watchBacking(sim, clients);
  await sim.runFor(ms);
  requireHolds(ctx, sim, holds, clients, atLeast);
}

/**
 * The share of true time, from the first hold on, during which some client holds the lock: read
 * from the clients' holding() hooks at every step.
 */
function watchHeldShare(sim: Sim, clients: readonly NodeId[]): () => { share: number; longestIdle: number } {
  let firstHold: number | undefined;
  let heldSince: number | undefined;
  let idleSince: number | undefined;
  let held = 0;
  let longestIdle = 0;
  sim.addInvariant("the lock's held share (measured, never broken)", () => {
    const anyone = clients.some((c) => sim.isUp(c) && sim.node<HoldHook>(c)?.holding() === true);
    if (anyone && heldSince === undefined) {
      heldSince = sim.now;
      firstHold ??= sim.now;
      if (idleSince !== undefined) longestIdle = Math.max(longestIdle, sim.now - idleSince);
    } else if (!anyone && heldSince !== undefined) {
      held += sim.now - heldSince;
      heldSince = undefined;
      idleSince = sim.now;
    }
    return undefined;
  });
  return () => {
    const total = firstHold === undefined ? 0 : sim.now - firstHold;
    const h = held + (heldSince === undefined ? 0 : sim.now - heldSince);
    return { share: total > 0 ? h / total : 0, longestIdle };
  };
}

/**
 * A client whose attempt can no longer win (busy from more than LOCK_SERVERS - QUORUM servers)
 * sends its next attempt within `withinMs`: read from the wire, by the attempts' ids.
 */
function watchRetries(sim: Sim, clients: readonly NodeId[], withinMs: number): () => number {
  const attempt = new Map<NodeId, number>();
  /** The servers that answered busy to each client's attempt in progress. */
  const busy = new Map<NodeId, Set<NodeId>>();
  const lostAt = new Map<NodeId, number>();
  let slowest = 0;
  let violation: string | undefined;
  sim.onEvent((e) => {
    if (e.kind === "send" && clients.includes(e.node ?? "") && LOCK_SERVERS.includes(e.peer ?? "")) {
      const m = messageOf(e);
      const c = e.node as NodeId;
      if (m?.type !== "acquire" || attempt.get(c) === m.id) return;
      attempt.set(c, m.id);
      busy.set(c, new Set());
      const lost = lostAt.get(c);
      if (lost !== undefined) slowest = Math.max(slowest, e.t - lost);
      lostAt.delete(c);
    } else if (e.kind === "deliver" && clients.includes(e.node ?? "") && LOCK_SERVERS.includes(e.peer ?? "")) {
      const m = messageOf(e);
      const c = e.node as NodeId;
      if (m?.type !== "busy" || attempt.get(c) !== m.id) return;
      const from = busy.get(c);
      from?.add(e.peer as NodeId);
      if (from?.size === LOCK_SERVERS.length - QUORUM + 1 && !lostAt.has(c)) lostAt.set(c, e.t);
    }
  });
  sim.addInvariant("a client that cannot get a majority asks again", () => {
    if (violation) return violation;
    for (const [c, t] of lostAt) {
      if (sim.now - t > withinMs)
        violation = `${c}'s attempt ${attempt.get(c)} was answered busy by ${LOCK_SERVERS.length - QUORUM + 1} servers at t=${fmt(t)} ms (true time), so it can no longer get a majority, but ${c} had sent no new attempt ${withinMs} ms later (calm links, clocks that keep time). Give up an attempt as soon as a majority is out of reach: release its grants, wait a random few milliseconds (at most ${RETRY_BACKOFF_LIMIT_MS} ms), try again`;
    }
    return violation;
  });
  return () => slowest;
}

/**
 * The grader's client `c` takes `servers` (before any majority client's acquire can reach them:
 * the scenario delays those) and keeps them until `untilMs` of true time, renewing its
 * MAX_TTL_MS leases every 500 ms. Returns how to give one of them back early.
 */
function holdServers(sim: Sim, c: NodeId, servers: readonly NodeId[], untilMs: number): (s: NodeId) => void {
  const end = sim.client(c);
  const tokens = new Map<NodeId, number>();
  let id = 1_000_000;
  servers.forEach((s) => {
    void sim.spawn(`${c} holds ${s}`, async () => {
      const asked = ++id;
      const g = await end.call<Granted>(
        s,
        { type: "acquire", id: asked, ttlMs: MAX_TTL_MS },
        (m, from) => m.type === "granted" && m.id === asked && from === s,
        200,
      );
      if (g === undefined) return;
      tokens.set(s, g.token);
      while (sim.now + 500 < untilMs) {
        await end.sleep(500);
        if (!tokens.has(s)) return;
        end.send(s, { type: "renew", id: ++id, token: g.token });
      }
    });
  });
  return (s) => {
    const token = tokens.get(s);
    tokens.delete(s);
    if (token !== undefined) end.send(s, { type: "release", id: ++id, token });
  };
}

/** When `client` begins and ends its holds (true time), read from holding() at every step. */
function watchHoldTimes(sim: Sim, client: NodeId): { begun: number[]; ended: number[] } {
  const times = { begun: [] as number[], ended: [] as number[] };
  let was = false;
  sim.addInvariant("the holds' times (measured, never broken)", () => {
    const h = sim.isUp(client) && sim.node<HoldHook>(client)?.holding() === true;
    if (h !== was) (h ? times.begun : times.ended).push(sim.now);
    was = h;
    return undefined;
  });
  return times;
}

/** The first time in `ts` at or after `t`. */
const firstFrom = (ts: readonly number[], t: number | undefined): number | undefined =>
  t === undefined ? undefined : ts.find((x) => x >= t);

/**
 * How soon after a late grant's arrival the client must hold again: the reference takes 8 to 264 ms
 * over seeds 1-200; a client that keeps the grant waits out its lease (1008 ms at the earliest).
 */
const LATE_GRANT_RETAKEN_MS = 600;
/**
 * How soon after a hold ends the client must hold again when the late grant it got during that
 * hold is its only way to a majority: the reference takes 56 to 119 ms over seeds 1-200; a client
 * that keeps that grant waits out its lease (1111 ms at the earliest).
 */
const HELD_LATE_GRANT_RETAKEN_MS = 400;
/** The least holds of a client alone whose answers take 100-400 ms, in 5 s (the reference: 5 or 6 over seeds 1-200). */
const SLOW_MAJORITY_HOLDS = 3;

/** The most a reference-like client waits after a lost attempt: up to 200 ms of back-off and a tick. */
const RETRY_BACKOFF_LIMIT_MS = 200;
/** A lost attempt's next attempt is sent within this (true time): back-off, a 50 ms tick, and slack (the reference: 245 ms at most over seeds 1-200). */
const RETRY_WITHIN_MS = 450;
/** The least share of calm time the lock is held once taken (the reference: 92% to 96.5% over seeds 1-200). */
const CALM_HELD_SHARE = 0.85;

export const partD: Array<Scenario<L>> = [
  {
    part: "D",
    name: "a majority lock is exclusive under bounded drift",
    points: 5,
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
    name: "a released lock is taken again at once",
    points: 2,
    seeds: 6,
    hints: [
      "Calm links, clocks that keep time, three clients: the lock should hardly ever be free. When a hold ends, release every grant at once, so the servers need not wait out the lease; release the grants of an attempt you give up, and any grant that comes back for an attempt already over.",
      "An attempt answered busy by three servers can no longer win: give it up at once (release what it got), wait a random few milliseconds, and try again, instead of waiting out LEASE_TTL_MS.",
    ],
    async run(ctx) {
      const { sim, clients } = majorityCluster(ctx, 3);
      for (const n of [...LOCK_SERVERS, ...clients]) sim.setClock(n, { offset: ctx.rng.int(100_000), drift: 0 });
      sim.setFaults(CALM_LINKS);
      const share = watchHeldShare(sim, clients);
      const slowest = watchRetries(sim, clients, RETRY_WITHIN_MS);
      await runWatched(ctx, sim, clients, 10_000, 6);
      const { share: s, longestIdle } = share();
      ctx.metric("share of time the lock is held (%)", Math.round(s * 1000) / 10);
      ctx.metric("longest time the lock is free (ms)", Math.round(longestIdle));
      ctx.metric("slowest new attempt after a lost one (ms)", Math.round(slowest()));
      ctx.check(
        s >= CALM_HELD_SHARE,
        "a released lock is taken again at once",
        () =>
          `from the first hold on, some client held the lock only ${(s * 100).toFixed(1)}% of the time (at least ${CALM_HELD_SHARE * 100}% expected; it was free for up to ${fmt(longestIdle)} ms at a time), with calm links and clocks that keep time. When your hold ends, release every grant at once (the servers would otherwise wait out the lease), and release a failed attempt's grants and any late grant too`,
      );
    },
  },
  {
    part: "D",
    name: "slow grants shorten the hold",
    points: 4,
    seeds: 6,
    hints: [
      "One client's answers take 300 to 700 ms to arrive, and every clock drifts to the edge of the bound against you. The lease started on the servers long before the third grant reached the client.",
      "Count the hold from when you SENT the acquires, not from when the majority arrived; if sentAt + LEASE_TTL_MS - margin has already passed when the third grant comes, you do not hold the lock: release the grants.",
    ],
    async run(ctx) {
      const { sim, clients } = majorityCluster(ctx, 3);
      driftToEdges(ctx, sim, clients, true);
      sim.setFaults(CALM_LINKS);
      const slow = ctx.rng.pick(clients);
      for (const s of LOCK_SERVERS) sim.setLinkFaults(s, slow, { delay: { kind: "uniform", min: 300, max: 700 } });
      ctx.log(`answers to ${slow} take 300-700 ms`);
      // Every client's holds count: the slow client legitimately wins many rounds, so the fast
      // two alone held it 3 to 11 times over 1,000 seeds, all three together 10 or 11 times.
      await runWatched(ctx, sim, clients, 10_000, 6);
    },
  },
  {
    part: "D",
    name: "a late grant of an earlier attempt is not counted",
    points: 3,
    seeds: 20,
    hints: [
      "One server's answers take 1.1 to 1.5 s to arrive, longer than an attempt lasts: its grant always comes back after the attempt it answers has ended, and its lease, counted from when the server granted it, has already run out.",
      "Give every attempt its own id, send it with the acquires, and count a grant only when its id is the attempt in progress; release any other grant at once.",
    ],
    async run(ctx) {
      const { sim, clients } = majorityCluster(ctx, 2);
      driftToEdges(ctx, sim, clients, false);
      sim.setFaults(CALM_LINKS);
      const late = ctx.rng.pick(LOCK_SERVERS);
      const slowClient = ctx.rng.pick(clients);
      sim.setLinkFaults(late, slowClient, { delay: { kind: "uniform", min: 1100, max: 1500 } });
      ctx.log(`answers of ${late} to ${slowClient} take 1.1-1.5 s`);
      await runWatched(ctx, sim, clients, 10_000, 6);
    },
  },
  {
    part: "D",
    name: "a late grant is given back at once",
    points: 2,
    seeds: 6,
    hints: [
      "The grader's client holds two servers, so your only majority is the other three, and one of them stalls (paused) until your first attempt has timed out. When it wakes it grants that attempt's acquire: a fresh lease, for an attempt that is over.",
      "Then the grader gives one of its servers back but stalls it, so it answers your next attempt only while you hold the lock with three others; when that hold ends one of those three crashes, and your only majority needs the stalled one.",
      "A granted that answers an attempt you gave up, or that you do not hold with, is not yours to keep: send release with its token at once, even while you hold the lock. Kept, it blocks that server, and so your only majority, until its lease runs out.",
    ],
    async run(ctx) {
      const { sim, clients } = majorityCluster(ctx, 1, 1);
      const [m1] = clients as [NodeId];
      for (const n of [...LOCK_SERVERS, m1]) sim.setClock(n, { offset: ctx.rng.int(100_000), drift: 0 });
      sim.setFaults(CALM_LINKS);
      const [stalled, kept, given, ...free] = ctx.rng.shuffle([...LOCK_SERVERS]) as [NodeId, NodeId, NodeId, NodeId];
      const victim = ctx.rng.pick([stalled, ...free]);
      const runMs = 6000;
      // The grader's client takes its two servers first: m1's acquires arrive 20 ms later.
      for (const s of LOCK_SERVERS) sim.setLinkFaults(m1, s, { delay: { kind: "uniform", min: 20, max: 30 } });
      sim.at(100, "m1's links calm again", () => {
        for (const s of LOCK_SERVERS) sim.setLinkFaults(m1, s, undefined);
      });
      const giveBack = holdServers(sim, "c1", [kept, given], runMs);
      sim.start();
      sim.pause(stalled);
      ctx.log(`round 1: c1 holds ${kept} and ${given}; ${stalled} is paused until m1's first attempt has timed out`);
      const holds = watchHoldTimes(sim, m1);
      watchHolders(sim, clients);
      watchBacking(sim, clients);
      // Round 1: resumed once the first attempt is surely over (its timeout, then up to two ticks).
      let firstSent: number | undefined;
      let lateAt: number | undefined;
      // Round 2, from `round2`: `given` is free but paused; m1's first hold with an attempt sent since.
      let round2: number | undefined;
      let askedAgain: number | undefined;
      let held2: number | undefined;
      let late2At: number | undefined;
      let ended2: number | undefined;
      sim.onEvent((e) => {
        if (e.node !== m1) return;
        const m = messageOf(e);
        if (e.peer === stalled && e.kind === "send" && m?.type === "acquire" && firstSent === undefined) {
          firstSent = e.t;
          sim.at(e.t + LEASE_TTL_MS + 2 * MAJORITY_TICK_MS, `resume ${stalled}`, () => sim.resume(stalled));
        } else if (e.peer === stalled && e.kind === "deliver" && m?.type === "granted" && lateAt === undefined) {
          lateAt = e.t;
          sim.at(e.t + LATE_GRANT_RETAKEN_MS, `c1 gives ${given} back, ${given} pauses`, () => {
            round2 = sim.now;
            giveBack(given);
            sim.pause(given);
            ctx.log(`round 2: c1 gave ${given} back at t=${fmt(sim.now)} ms, and ${given} is paused`);
          });
        } else if (e.peer === given && e.kind === "send" && m?.type === "acquire" && round2 !== undefined)
          askedAgain ??= e.t;
        else if (e.peer === given && e.kind === "deliver" && m?.type === "granted" && held2 !== undefined)
          late2At ??= e.t;
      });
      sim.addInvariant("the grader's second round (never broken)", () => {
        if (held2 === undefined && askedAgain !== undefined) {
          held2 = firstFrom(holds.begun, askedAgain);
          // Woken halfway through that hold: its grant answers the attempt m1 holds with, from a server not in it.
          if (held2 !== undefined) sim.at(held2 + LEASE_TTL_MS / 2, `resume ${given}`, () => sim.resume(given));
        }
        if (ended2 === undefined && held2 !== undefined) {
          ended2 = firstFrom(holds.ended, held2);
          // The hold has just ended: one of its servers crashes, so the next majority needs `given`.
          if (ended2 !== undefined && late2At !== undefined)
            sim.at(sim.now, `crash ${victim}`, () => sim.crash(victim));
        }
        return undefined;
      });
      await sim.runFor(runMs);
      const retaken = firstFrom(holds.begun, lateAt);
      if (lateAt !== undefined && retaken !== undefined)
        ctx.metric("round 1: lock taken after the late grant (ms)", Math.round(retaken - lateAt));
      ctx.check(
        lateAt !== undefined && retaken !== undefined && retaken - lateAt <= LATE_GRANT_RETAKEN_MS,
        "a late grant is given back at once",
        () =>
          lateAt === undefined
            ? `${stalled} never granted m1 anything after it woke (m1 ${firstSent === undefined ? "sent it no acquire" : `first asked it at t=${fmt(firstSent)} ms`})`
            : `${stalled} woke and granted m1's first attempt at t=${fmt(lateAt)} ms (true time), after that attempt had timed out; ${kept} and ${given} are held by another client, so m1's only majority needs ${stalled}, yet m1 ${retaken === undefined ? `had not held the lock by t=${fmt(sim.now)} ms` : `held the lock only ${fmt(retaken - lateAt)} ms later`} (at most ${LATE_GRANT_RETAKEN_MS} ms expected). Release a grant that answers an attempt you gave up, at once: kept, it blocks its server until its lease runs out`,
      );
      const retaken2 = firstFrom(holds.begun, ended2);
      if (ended2 !== undefined && retaken2 !== undefined)
        ctx.metric("round 2: lock taken after the hold ended (ms)", Math.round(retaken2 - ended2));
      ctx.check(
        ended2 !== undefined && late2At !== undefined && late2At < ended2,
        "the grader's second round took place",
        () =>
          `round 2 needs m1 to hold the lock with an attempt sent after t=${fmt(round2 ?? 0)} ms and to get ${given}'s grant during that hold: ${askedAgain === undefined ? `m1 sent ${given} no acquire after that` : held2 === undefined ? `m1 did not hold the lock after asking ${given} at t=${fmt(askedAgain)} ms` : late2At === undefined ? `${given}'s grant never arrived` : ended2 === undefined ? "that hold never ended" : `the grant arrived at t=${fmt(late2At)} ms, after the hold ended at t=${fmt(ended2)} ms`}. A hold lasts from when you SENT the acquires plus LEASE_TTL_MS minus the margin`,
      );
      ctx.check(
        ended2 !== undefined && retaken2 !== undefined && retaken2 - ended2 <= HELD_LATE_GRANT_RETAKEN_MS,
        "a grant not held with is given back at once",
        () =>
          `${given} woke at t=${fmt(late2At ?? 0)} ms (true time) and granted m1 while m1 held the lock with three other servers; when that hold ended at t=${fmt(ended2 ?? 0)} ms, ${victim} crashed and ${kept} is held by another client, so m1's only majority needs ${given}, yet m1 ${retaken2 === undefined || ended2 === undefined ? `had not held the lock again by t=${fmt(sim.now)} ms` : `held the lock again only ${fmt(retaken2 - ended2)} ms later`} (at most ${HELD_LATE_GRANT_RETAKEN_MS} ms expected). A grant you do not hold with is not yours to keep, even while you hold the lock: release it at once`,
      );
    },
  },
  {
    part: "D",
    name: "a majority that answers slowly still counts",
    points: 2,
    seeds: 6,
    hints: [
      "A client alone, but every server's answers take 100 to 400 ms to reach it, with the clocks at the edges of the drift bound: longer than a tick, far shorter than an attempt. A majority comes, only not by the next tick.",
      "An attempt lasts until LEASE_TTL_MS after you sent it, unless three servers said busy: keep waiting for its answers at every tick in between, and count the hold from when you sent the acquires.",
    ],
    async run(ctx) {
      const { sim, clients } = majorityCluster(ctx, 1);
      const [m1] = clients as [NodeId];
      driftToEdges(ctx, sim, clients, true);
      sim.setFaults(CALM_LINKS);
      for (const s of LOCK_SERVERS) sim.setLinkFaults(s, m1, { delay: { kind: "uniform", min: 100, max: 400 } });
      ctx.log(`answers to ${m1} take 100-400 ms`);
      const holds = watchHolders(sim, clients);
      watchBacking(sim, clients);
      await sim.runFor(5000);
      const n = holds.get(m1) ?? 0;
      ctx.metric("holds of the slow client", n);
      ctx.check(
        n >= SLOW_MAJORITY_HOLDS,
        "a slow majority is still a majority",
        () =>
          `m1 was alone and every server granted it, but their answers took 100-400 ms to arrive, and m1 held the lock only ${n} times in ${fmt(sim.now)} ms (at least ${SLOW_MAJORITY_HOLDS} expected). An attempt lasts LEASE_TTL_MS (${LEASE_TTL_MS} ms) from when you sent it, unless three servers said busy: do not give it up at the next tick`,
      );
    },
  },
  {
    part: "D",
    name: "a server that never answers does not stall a client",
    points: 2,
    seeds: 6,
    hints: [
      "One server is down for good and another client holds two servers for 2 s: your first attempts get two grants, two busy and no fifth answer at all. No answer will ever settle such an attempt.",
      "An attempt that has no majority once LEASE_TTL_MS has passed since it was sent can no longer hold anything: release its grants, wait a random few milliseconds, try again.",
    ],
    async run(ctx) {
      const { sim, clients } = majorityCluster(ctx, 1, 1);
      const [m1] = clients as [NodeId];
      sim.setFaults(CALM_LINKS);
      const [down, ...up] = ctx.rng.shuffle([...LOCK_SERVERS]) as [NodeId, ...NodeId[]];
      const taken = up.slice(0, 2);
      sim.crash(down);
      // The grader's client takes its two servers first: m1's acquires arrive 20 ms later.
      for (const s of LOCK_SERVERS) sim.setLinkFaults(m1, s, { delay: { kind: "uniform", min: 20, max: 30 } });
      for (const s of taken)
        void sim.client("c1").send(s, { type: "acquire", id: 1_000_000 + up.indexOf(s), ttlMs: MAX_TTL_MS });
      ctx.log(`${down} is down for the whole run; c1 holds ${taken.join(" and ")} for ${MAX_TTL_MS} ms`);
      await runWatched(ctx, sim, clients, MAX_TTL_MS + 2 * LEASE_TTL_MS + 1000, 1);
    },
  },
];
