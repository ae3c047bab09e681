/**
 * Part A: the lease lock server. The grader's clients acquire, renew late and on time, release,
 * forge releases and vanish; the LeaseWatch checks every answer of the server against its own
 * clock as it is sent.
 */
import type { Scenario } from "@faultline/grading";
import { LEASE_TTL_MS, LOCK_SERVER, MAX_TTL_MS } from "@faultline/lab-lease-lock";
import { fmt } from "@faultline/sim";
import type { Ctx, L } from "./props.ts";
import { GraderClient, hostile, lockOnly, runUntilSettled } from "./cluster.ts";
import { LeaseWatch } from "./watch.ts";

/**
 * The rules for one lease, request by request, on a server whose clock runs 20% fast or slow:
 * c1 holds token `t1` (granted to request `firstId`); every answer is checked, not only the
 * grants. Timed so that the renewal decides: 1320 ms after the grant the first lease has ended by
 * the server's clock (at least 1056 ms on it); the lease renewed at 700 ms has not (it has run at
 * most 820 ms on it when c1 releases it).
 */
async function theHoldersRequests(ctx: Ctx, c1: GraderClient, c2: GraderClient, t1: number, firstId: number) {
  const grantedAt = c1.now();
  // Past every network copy of the first answer, and forgotten: only the server answers the repeat.
  await c1.sleep(30);
  c1.clearInbox();
  const again = await c1.acquireAnswer(LEASE_TTL_MS, firstId);
  ctx.check(
    again === t1,
    "a duplicated acquire gets the same answer",
    () =>
      `c1's acquire #${firstId} was granted token ${t1}; the same request arriving again (a duplicate: same sender, same id) was answered ${String(again)}: answer it granted with the same token, without a new lease`,
  );
  const mine = await c1.acquireAnswer(LEASE_TTL_MS);
  ctx.check(
    mine === "busy",
    "a running lease is not granted again",
    () =>
      `c1 holds token ${t1} and sent a NEW acquire (another id): it was answered ${String(mine)}, not busy. Only a duplicate of the request the lease answered gets granted again; a new request while a lease runs gets busy (a holder that thinks its lease ended must not restart it on the old token)`,
  );
  const other = await c2.acquireAnswer(LEASE_TTL_MS);
  ctx.check(
    other === "busy",
    "a running lease is not granted again",
    () => `c2 asked for the lock while c1's lease (token ${t1}) runs, and was answered ${String(other)}: answer busy`,
  );
  await c1.sleep(Math.max(0, 700 - (c1.now() - grantedAt)));
  const renewed = await c1.ask("renew", t1);
  ctx.check(
    renewed === "ok",
    "the holder renews its lease",
    () =>
      `c1 renewed its running lease (token ${t1}) 700 ms after the grant and was answered ${String(renewed)}, not renewed`,
  );
  for (const type of ["renew", "release"] as const) {
    const wrong = await c1.ask(type, t1 + 1);
    ctx.check(
      wrong === "refused",
      "only the holder's token renews or releases",
      () =>
        `c1 holds token ${t1} and asked to ${type} token ${t1 + 1}, which is not its lease: the answer was ${String(wrong)}, not not_holder`,
    );
    const forged = await c2.ask(type, t1);
    ctx.check(
      forged === "refused",
      "only the holder's token renews or releases",
      () => `c2 asked to ${type} c1's lease (token ${t1}): the answer was ${String(forged)}, not not_holder`,
    );
  }
  await c2.sleep(Math.max(0, 1320 - (c2.now() - grantedAt)));
  const lateId = c2.newId();
  const late = await c2.acquireAnswer(LEASE_TTL_MS, lateId);
  ctx.check(
    late === "busy",
    "the holder renews its lease",
    () =>
      `c1 renewed its lease 700 ms after the grant; 620 ms after the renewal c2 was answered ${String(late)}, not busy: a renewal makes the lease end ttlMs after the renewal, on the server's clock`,
  );
  // (A duplicated release may be refused after the first freed the lock, and answers can cross.)
  const released = await c1.ask("release", t1);
  ctx.check(
    released !== undefined,
    "the holder releases its lease",
    () => `c1 released its lease (token ${t1}) and got no answer`,
  );
  // c2 asks again with the same request: a late copy of it may already have been granted.
  await c2.sleep(30);
  c2.clearInbox();
  const next = await c2.acquireAnswer(LEASE_TTL_MS, lateId);
  ctx.check(
    typeof next === "number",
    "a free lock is granted",
    () => `c1 released its lease; c2's acquire was then answered ${String(next)}: a released lock is free`,
  );
  if (typeof next === "number") await c2.ask("release", next);
}

export const partA: Array<Scenario<L>> = [
  {
    part: "A",
    name: "one lease at a time, by the server's clock",
    points: 12,
    seeds: 6,
    hints: [
      "Grant only when the current lease has ended by env.now() (or was released by its holder); answer busy otherwise. A token is one higher than the last one granted.",
      "renew: only the holder of the current lease, with its token, before the lease ends by your clock; it then ends ttlMs from NOW. release: only the holder, with its token. Anyone else gets not_holder and nothing changes.",
      "A duplicated acquire from the holder (same id) gets the same granted again; a duplicated renew or release arriving after the lease ended must be refused. The server's clock here is offset and drifts: only ever compare times read from env.now().",
    ],
    async run(ctx) {
      const sim = lockOnly(ctx, 3);
      sim.setClock(LOCK_SERVER, { offset: 50_000 + ctx.rng.int(10_000), drift: 0.2 * (ctx.rng.chance(0.5) ? 1 : -1) });
      hostile(sim, 0.15, [1, 15]);
      const watch = new LeaseWatch(sim);
      const [c1, c2, c3] = ["c1", "c2", "c3"].map((c) => new GraderClient(sim, c)) as [
        GraderClient,
        GraderClient,
        GraderClient,
      ];
      // A fresh server grants at once: it has never granted anything, so no lease can be running.
      const firstId = c1.newId();
      const first = c1.acquireAnswer(LEASE_TTL_MS, firstId);
      await runUntilSettled(ctx, sim, first, 1000, "the first acquire");
      const t1 = await first;
      if (typeof t1 !== "number")
        return ctx.fail(
          "a free lock is granted",
          "a fresh lock server answered the very first acquire with busy (or not at all); nobody holds the lock, so grant it",
        );
      const holderRules = sim.spawn("c1 holds, c2 waits", () => theHoldersRequests(ctx, c1, c2, t1, firstId));
      await runUntilSettled(ctx, sim, holderRules, 10_000, "the holder's requests");
      let refusedReleases = 0;
      const holders = [c1, c2].map((c) =>
        sim.spawn(`holder ${c.id}`, async () => {
          let token: number | undefined;
          for (let round = 0; round < 6; round++) {
            token ??= await c.acquireWithin(LEASE_TTL_MS, 50 + ctx.rng.int(50), 4000);
            if (token === undefined) continue;
            // Hold for a while, renewing on time.
            for (let r = ctx.rng.int(3); r > 0; r--) {
              await c.sleep(200 + ctx.rng.int(300));
              await c.ask("renew", token);
            }
            const end = ctx.rng.int(3);
            if (end === 0) await c.ask("release", token);
            else if (end === 1) {
              // Walk away, then renew far too late: the lease has ended.
              await c.sleep(Math.round(LEASE_TTL_MS * 1.6));
              await c.ask("renew", token);
            } else await c.sleep(Math.round(LEASE_TTL_MS * 1.4));
            token = undefined;
            await c.sleep(ctx.rng.int(100));
          }
        }),
      );
      const forger = sim.spawn("forger c3", async () => {
        // Releases and renewals with the token of someone else's running lease.
        for (let i = 0; i < 12; i++) {
          await c3.sleep(250 + ctx.rng.int(250));
          const l = watch.current();
          if (!l) continue;
          const answer = await c3.ask(ctx.rng.chance(0.5) ? "release" : "renew", l.token);
          if (answer === "refused") refusedReleases++;
        }
      });
      await runUntilSettled(ctx, sim, Promise.all([...holders, forger]), 60_000, "the clients' rounds");
      ctx.check(
        watch.grants.length >= 6,
        "a free lock is granted",
        () =>
          `only ${watch.grants.length} leases were granted in ${fmt(sim.now)} ms while two clients kept asking and leases of ${LEASE_TTL_MS} ms ended or were released: grant whenever no lease is running`,
      );
      ctx.metric("leases granted", watch.grants.length);
      ctx.metric("forged requests refused", refusedReleases);
    },
  },
  {
    part: "A",
    name: "a vanished holder's lock is granted again",
    points: 8,
    seeds: 5,
    hints: [
      "The holder took the lock and disappeared: it will never release it. A lease ends by itself when its TTL has passed on your clock; then the next acquire must be granted.",
      "Store when the lease ends (env.now() + ttlMs at the grant) and compare with env.now() on every request; no timer is needed.",
    ],
    async run(ctx) {
      const sim = lockOnly(ctx, 2);
      const watch = new LeaseWatch(sim);
      const c1 = new GraderClient(sim, "c1");
      const c2 = new GraderClient(sim, "c2");
      const ttl = 400 + ctx.rng.int(800);
      let granted: number | undefined;
      let askedAt = 0;
      const run = sim.spawn("c1 vanishes, c2 waits", async () => {
        await c1.acquireWithin(ttl, 50, 1000);
        askedAt = sim.now;
        granted = await c2.acquireWithin(LEASE_TTL_MS, 50, ttl + 1000);
      });
      await runUntilSettled(ctx, sim, run, 10_000, "the clients");
      const first = watch.grants[0];
      ctx.check(first !== undefined, "a free lock is granted", "the first acquire on a fresh server was not granted");
      ctx.check(
        granted !== undefined,
        "a lease ends by itself",
        () =>
          `c1 took a lease of ${ttl} ms at t=${fmt(first?.grantedAtTrue ?? 0)} ms and vanished; c2 asked every 50 ms from t=${fmt(askedAt)} ms and was still refused ${ttl + 1000} ms later: a lease must end when its TTL has passed, without a release`,
      );
      const second = watch.grants[1];
      if (first && second)
        ctx.metric(
          "lock free again after the lease",
          Math.round(second.grantedAtTrue - first.grantedAtTrue - ttl),
          "ms",
        );
    },
  },
  {
    part: "A",
    name: "tokens keep growing across restarts",
    points: 12,
    seeds: 6,
    hints: [
      "After a crash the server starts with empty fields; only what was synced to env.disk survives. A token granted before the crash must never be granted again.",
      "Write the new token and call env.disk.sync() BEFORE sending granted. In start(env), read it back.",
      "A restarted server does not know whether a lease of its previous life is still running. If it found a token on disk, refuse grants (busy) for MAX_TTL_MS after the restart; then grant as usual.",
    ],
    async run(ctx) {
      const sim = lockOnly(ctx, 2);
      hostile(sim, 0.1, [1, 10]);
      new LeaseWatch(sim);
      const c1 = new GraderClient(sim, "c1");
      const c2 = new GraderClient(sim, "c2");
      const waits: string[] = [];
      const run = sim.spawn("grants and restarts", async () => {
        for (let round = 0; round < 4; round++) {
          // A few grants, so a token in memory only would be well above 1 when it is lost.
          for (let i = 0; i < 1 + ctx.rng.int(3); i++) {
            const t = await c1.acquireWithin(LEASE_TTL_MS, 50, MAX_TTL_MS + 2000);
            if (t !== undefined && ctx.rng.chance(0.6)) await c1.ask("release", t);
          }
          const t = await c1.acquireWithin(LEASE_TTL_MS, 50, MAX_TTL_MS + 2000);
          if (t === undefined) continue;
          await c1.sleep(ctx.rng.int(2) * (10 + ctx.rng.int(200)));
          sim.crash(LOCK_SERVER);
          await c1.sleep(50 + ctx.rng.int(300));
          sim.restart(LOCK_SERVER);
          ctx.log(`restarted the lock server while c1 may still hold token ${t}`);
          const from = sim.now;
          const early = await c2.acquireAnswer(LEASE_TTL_MS);
          ctx.check(
            early === "busy",
            "a restarted server waits out the leases of its previous life",
            () =>
              `c2 asked for the lock right after the server restarted (c1 may still hold token ${t}) and was answered ${String(early)}: for MAX_TTL_MS (${MAX_TTL_MS} ms) after a restart that found a token on disk, answer busy`,
          );
          const got = await c2.acquireWithin(LEASE_TTL_MS, 50, MAX_TTL_MS + 1500);
          waits.push(got === undefined ? "never" : `${Math.round(sim.now - from)} ms`);
          ctx.check(
            got !== undefined,
            "a restarted server grants again",
            () =>
              `after a restart at t=${fmt(from)} ms, c2 asked every 50 ms for ${MAX_TTL_MS + 1500} ms and was never granted the lock: the grace period after a restart is MAX_TTL_MS (${MAX_TTL_MS} ms), then grant as usual`,
          );
          if (got !== undefined) await c2.ask("release", got);
        }
      });
      await runUntilSettled(ctx, sim, run, 60_000, "the restart rounds");
      ctx.log(`waits after each restart: ${waits.join(", ")}`);
    },
  },
];
