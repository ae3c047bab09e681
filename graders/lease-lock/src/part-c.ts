/**
 * Part C: fencing. The learner's lock clients write under the learner's lock server to the
 * learner's fenced storage, and the grader attacks the holder: it holds back the holder's writes
 * in the network, pauses the holder past its lease and moves its clock back, lets its clock
 * drift, delays and duplicates every message, crashes the storage and the holder. Whatever
 * happens, the storage's acceptances must stay in token order, and a holder told it is fenced
 * must stop; and the lock and the storage must keep serving (writes land once things calm down).
 */
import type { Scenario } from "@faultline/grading";
import { ACQUIRE_RETRY_MS, LEASE_TTL_MS, LOCK_SERVER, STORAGE, WRITE_INTERVAL_MS } from "@faultline/lab-lease-lock";
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

/** How late the lock server's answers are in the slow round: most of ACQUIRE_RETRY_MS, under it. */
const SLOW_ANSWER_MS = { kind: "uniform", min: 220, max: 280 } as const;
/** How late they are to one holder in the later round: longer than a whole lease. */
const LATER_THAN_LEASE_MS = { kind: "uniform", min: 1100, max: 1300 } as const;
/** How long the slow round lasts, and how many writes must land in it after its first lease. */
const SLOW_ROUND_MS = 3 * LEASE_TTL_MS;
const SLOW_WRITES = 10;
/** How soon another client writes after the holder crashed, answers still slow (see MUTATION.md). */
const SLOW_PASS_MS = 2 * LEASE_TTL_MS;

/**
 * Answers of the lock server to `writers` that arrive after the lease they answer has ended by
 * the client's clock (a `renewed` or `not_holder` whose renew was sent a lease or more before):
 * the moments a client must already have dropped that lease, and must not trip on it.
 */
function countLateAnswers(sim: Sim, writers: readonly NodeId[]): { renewed: number; not_holder: number } {
  const sentAt = new Map<string, number>();
  const late = { renewed: 0, not_holder: 0 };
  sim.onEvent((e) => {
    if (!writers.includes(e.node)) return;
    if (e.kind === "send" && e.peer === LOCK_SERVER) {
      const m = messageOf(e);
      if (m?.type === "renew") sentAt.set(`${e.node}:${m.id}`, sim.localTime(e.node));
    } else if (e.kind === "deliver" && e.peer === LOCK_SERVER) {
      const m = messageOf(e);
      if (m?.type !== "renewed" && m?.type !== "not_holder") return;
      const at = sentAt.get(`${e.node}:${m.id}`);
      if (at !== undefined && sim.localTime(e.node) >= at + LEASE_TTL_MS) late[m.type]++;
    }
  });
  return late;
}

/**
 * Lose the next `renew` that `holder` sends to the lock server, and only it: the link drops
 * everything for RENEW_LOSS_MS from that send, and the client sends nothing else to the lock
 * server before it may ask again (ACQUIRE_RETRY_MS). Resolves with the true time of the loss.
 */
async function loseNextRenewal(ctx: Ctx, sim: Sim, holder: NodeId): Promise<number | undefined> {
  let lostAt: number | undefined;
  sim.onEvent((e) => {
    if (lostAt !== undefined || e.kind !== "send" || e.node !== holder || e.peer !== LOCK_SERVER) return;
    if (messageOf(e)?.type !== "renew") return;
    lostAt = e.t;
    // Set before the network decides this message's fate, so this very renew is lost.
    sim.setLinkFaults(holder, LOCK_SERVER, { drop: 1 });
  });
  await sim.runUntil(() => lostAt !== undefined, { maxMs: LEASE_TTL_MS });
  if (lostAt === undefined) return undefined;
  ctx.log(`${holder}'s renewal at t=${fmt(lostAt)} ms is lost`);
  await sim.runFor(RENEW_LOSS_MS);
  sim.setLinkFaults(holder, LOCK_SERVER, undefined);
  return lostAt;
}

/** How long the lossy link stays lossy after the renewal: less than ACQUIRE_RETRY_MS. */
const RENEW_LOSS_MS = ACQUIRE_RETRY_MS / 2;
/** How long every client's requests (then the server's answers) are lost in the blackout rounds. */
const BLACKOUT_MS = LEASE_TTL_MS + 500;
/** After a blackout, how soon a client must write again (measured on the reference, see MUTATION.md). */
const AFTER_LOST_REQUESTS_MS = 600;
const AFTER_LOST_ANSWERS_MS = 1600;

/**
 * Every message on the links `from` -> `to` is lost for BLACKOUT_MS; then some client must write
 * (hold the lock) within `withinMs`.
 */
async function blackout(
  ctx: Ctx,
  sim: Sim,
  fences: FenceWatch,
  links: ReadonlyArray<readonly [NodeId, NodeId]>,
  what: string,
  withinMs: number,
): Promise<void> {
  for (const [a, b] of links) sim.setLinkFaults(a, b, { drop: 1 });
  ctx.log(`${what} are lost for ${BLACKOUT_MS} ms`);
  await sim.runFor(BLACKOUT_MS);
  for (const [a, b] of links) sim.setLinkFaults(a, b, undefined);
  const at = sim.now;
  const wrote = await sim.runUntil(() => fences.accepted.some((a) => a.t > at), { maxMs: withinMs });
  const first = fences.accepted.find((a) => a.t > at);
  if (first) ctx.metric(`first write after the ${what} were lost (ms)`, first.t - at);
  ctx.check(
    wrote,
    "a request without an answer is sent again",
    () =>
      `the ${what} were lost from t=${fmt(at - BLACKOUT_MS)} ms to t=${fmt(at)} ms; ${withinMs} ms after the links came back, no client had written: a client whose acquire (or renew) got no answer within ACQUIRE_RETRY_MS (${ACQUIRE_RETRY_MS} ms) must send it again, with a new id`,
  );
}

export const partC: Array<Scenario<L>> = [
  {
    part: "C",
    name: "a paused holder's late writes are fenced",
    points: 10,
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
    points: 7,
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
    points: 7,
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
    points: 6,
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
  {
    part: "C",
    name: "slow lock answers shorten the lease",
    points: 3,
    seeds: 5,
    hints: [
      "The lock server's answers take 220 to 280 ms to arrive. The server started the lease when it answered, long before its answer reached you: count your lease from the moment you SENT the acquire or renew, never from the answer's arrival, and renew when less than half of it is left.",
      "Keep waiting for an answer until ACQUIRE_RETRY_MS has passed: a request replaced at every tick never matches its slow answer.",
      "Later, answers take longer than a whole lease: a renewed (or not_holder) may arrive after you dropped the lease by your clock. There is nothing left to extend or drop: ignore it, without reading a lease you no longer hold.",
    ],
    async run(ctx) {
      const { sim, writers, leases, fences } = watchedFencedCluster(ctx);
      const late = countLateAnswers(sim, writers);
      // Round 1: from the start, every answer of the lock server is late by most of
      // ACQUIRE_RETRY_MS. A lease counted from the answer's arrival outlives the one counted from
      // the send, and the client writes after it ("a client writes only under its lease, by its
      // own clock"); a client that replaces its request before the answer comes never holds.
      for (const w of writers) sim.setLinkFaults(LOCK_SERVER, w, { delay: SLOW_ANSWER_MS });
      ctx.log(`the lock server's answers now take ${SLOW_ANSWER_MS.min}-${SLOW_ANSWER_MS.max} ms`);
      await sim.runFor(LEASE_TTL_MS);
      const from = sim.now;
      const before = fences.accepted.length;
      await sim.runFor(SLOW_ROUND_MS - LEASE_TTL_MS);
      const landed = fences.accepted.length - before;
      ctx.metric("writes accepted while the lock's answers are slow", landed);
      ctx.check(
        landed >= SLOW_WRITES,
        "writes land although lock answers are slow",
        () =>
          `from t=${fmt(from)} ms to t=${fmt(sim.now)} ms, with every answer of the lock server 220-280 ms late (under ACQUIRE_RETRY_MS = ${ACQUIRE_RETRY_MS} ms), only ${landed} writes were accepted (at least ${SLOW_WRITES} expected): keep waiting for an acquire's or renew's answer until ACQUIRE_RETRY_MS has passed, and count the lease from its send`,
      );
      // The holder's next renewal is lost: its retry is answered after the lease counted from the
      // first one's send has ended. A lease counted from the arrival of the previous answer runs
      // on, past the server's end of it, and the client writes there.
      const lost = await waitForHolder(ctx, sim, leases, writers, "before the lost renewal");
      await loseNextRenewal(ctx, sim, lost);
      await sim.runFor(LEASE_TTL_MS);
      // The holder crashes: another client must take the lock while the answers are still slow.
      const gone = await waitForHolder(ctx, sim, leases, writers, "before the crash");
      sim.crash(gone);
      const crashedAt = sim.now;
      const passed = await sim.runUntil(() => fences.accepted.some((a) => a.t > crashedAt && a.to !== gone), {
        maxMs: SLOW_PASS_MS,
      });
      const next = fences.accepted.find((a) => a.t > crashedAt && a.to !== gone);
      if (next) ctx.metric("first write of another client after the holder crashed (ms)", next.t - crashedAt);
      ctx.check(
        passed,
        "writes land although lock answers are slow",
        () =>
          `${gone} crashed holding the lock at t=${fmt(crashedAt)} ms; ${SLOW_PASS_MS} ms later no other client had written, with every answer of the lock server 220-280 ms late: an acquire sent again before its answer came (at every tick, say) never matches the answer`,
      );
      sim.restart(gone);
      // Round 2: the answers to the holder take longer than a lease, so its renewals come back
      // after it has dropped the lease by its own clock.
      const slow = await waitForHolder(ctx, sim, leases, writers, "round 2");
      sim.setLinkFaults(LOCK_SERVER, slow, { delay: LATER_THAN_LEASE_MS });
      ctx.log(`the lock server's answers to ${slow} now take ${LATER_THAN_LEASE_MS.min}-${LATER_THAN_LEASE_MS.max} ms`);
      await sim.runFor(3 * LEASE_TTL_MS);
      sim.setLinkFaults(LOCK_SERVER, slow, { delay: SLOW_ANSWER_MS });
      // Round 3: a holder's requests are held in the network from just after the server renewed
      // (or granted) its lease until another client holds the lock: its renewals arrive late and
      // are answered not_holder, after it has dropped the lease by its own clock.
      const held = await waitForHolder(ctx, sim, leases, writers, "round 3");
      await sim.runUntil(
        () => {
          const l = leases.current();
          return l?.holder === held && l.expiresAt - sim.localTime(LOCK_SERVER) > LEASE_TTL_MS - 50;
        },
        { maxMs: LEASE_TTL_MS },
      );
      sim.clog(held, LOCK_SERVER);
      ctx.log(`${held}'s requests to the lock server are held in the network`);
      await sim.runFor(LEASE_TTL_MS + 500);
      sim.unclog(held, LOCK_SERVER);
      await sim.runFor(LEASE_TTL_MS);
      ctx.metric("renewed answers that arrived after their lease had ended", late.renewed);
      ctx.metric("not_holder answers that arrived after their lease had ended", late.not_holder);
      await writesLandAgain(ctx, sim, fences, leases);
    },
  },
  {
    part: "C",
    name: "lost lock messages are sent again",
    points: 2,
    seeds: 5,
    hints: [
      "A request to the lock server, or its answer, may be lost. A client that waits for the answer forever never holds the lock again: send an acquire or renew again (with a new id) when ACQUIRE_RETRY_MS has passed without an answer.",
      "A holder whose renewal is lost still has time: it renews when half its lease is left, so one more try after ACQUIRE_RETRY_MS arrives before the lease ends.",
    ],
    async run(ctx) {
      const { sim, writers, leases, fences } = watchedFencedCluster(ctx);
      // Round 1: the holder's next renewal is lost, and only it.
      const holder = await waitForHolder(ctx, sim, leases, writers, "round 1");
      const grants = leases.grants.length;
      const lostAt = await loseNextRenewal(ctx, sim, holder);
      if (lostAt !== undefined) {
        await sim.runFor(LEASE_TTL_MS + 500 - RENEW_LOSS_MS);
        const granted = leases.grants.slice(grants);
        ctx.check(
          granted.length === 0,
          "a lost renewal is sent again",
          () =>
            `${holder}'s renewal sent at t=${fmt(lostAt)} ms was lost; the lock server then granted ${granted.map((g) => `${g.holder} token ${g.token} at t=${fmt(g.grantedAtTrue)} ms`).join(", ")}: ${holder} had half its lease left, time to renew again after ACQUIRE_RETRY_MS (${ACQUIRE_RETRY_MS} ms) and keep its lock`,
        );
      }
      // Round 2: every client's requests to the lock server are lost for longer than a lease.
      await waitForHolder(ctx, sim, leases, writers, "round 2");
      await blackout(
        ctx,
        sim,
        fences,
        writers.map((w) => [w, LOCK_SERVER] as const),
        "clients' requests to the lock server",
        AFTER_LOST_REQUESTS_MS,
      );
      // Round 3: every answer of the lock server is lost, grants included.
      await waitForHolder(ctx, sim, leases, writers, "round 3");
      await blackout(
        ctx,
        sim,
        fences,
        writers.map((w) => [LOCK_SERVER, w] as const),
        "lock server's answers to the clients",
        AFTER_LOST_ANSWERS_MS,
      );
      await writesLandAgain(ctx, sim, fences, leases);
    },
  },
];
