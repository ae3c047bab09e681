/** Parts D (crash recovery: the server SIGKILLed and restarted) and E (the retrying client). */
import type { Scenario } from "@faultline/grading";
import { startHttpFaultProxy, type HttpFaultProxy, type HttpFaultProxyOptions } from "@faultline/net";
import { Rng } from "@faultline/sim";
import type { ChargeOutcome } from "@faultline/lab-idempotency-api";
import { TransportError, type HttpReply } from "@faultline/lab-idempotency-api/framework";
import { expectCharge, expectProblem, expectReplay, expectRetryAfter, key, payment, show } from "./checks.ts";
import { untilProviderSaw } from "./scenarios-abc.ts";
import {
  descriptionOf,
  safeJson,
  sleep,
  withWorld,
  type Ctx,
  type LabModule,
  type Payment,
  type World,
} from "./world.ts";

type S = Scenario<LabModule>;
const LIMIT = 60_000;
/** Crash scenarios start a server process (tsx, PGlite) up to four times: slow on a busy machine. */
const CRASH_LIMIT = 240_000;
const LEASE_MS = 2_000;
/**
 * How long the proxy holds a lost response open in "client times out a stalled attempt": a
 * client without a per-attempt timeout waits all of it, one with a timeout of 400 ms is done
 * well before STALL_MS - 4 s even on a busy machine.
 */
const STALL_MS = 12_000;
/**
 * What a busy machine may add to a client's backoff as the proxy sees it (the answer's way back,
 * a late timer, the next request's way in). The backoff test's bugs are all further off: a
 * backoff four times too long, a cap of 2000 ms instead of 400, a 1980 ms wait after the last
 * attempt.
 */
const WAIT_SLACK_MS = 1_000;
/** Continuous 409s for this long (7.5 leases) mean the lock is never taken over. */
const STUCK_LOCK_MS = 15_000;
/**
 * The same for a lone retry after a crash, restart and a clock moved past the lease: nothing
 * else holds its key, so three leases of unbroken 409s already say the lock is never taken over.
 */
const RETRY_STUCK_MS = 3 * LEASE_MS;

/** Retry one payment straight at the server until a final answer (grader-side, not the learner's client). */
/**
 * Retry a payment until it has a final answer. `stuck409Ms`: an unbroken run of 409s longer than
 * this fails at once (a lock held that long, many leases over, is never going to be taken over),
 * so a lock that never expires fails in seconds instead of at the generous wall deadline.
 */
async function settle(
  ctx: Ctx,
  w: World,
  token: string,
  k: string,
  p: Payment,
  what: string,
  url?: () => string,
  withinMs = 30_000,
  stuck409Ms = Infinity,
): Promise<HttpReply> {
  let last: HttpReply | undefined;
  const deadline = Date.now() + withinMs;
  let conflictSince: number | undefined;
  while (Date.now() < deadline) {
    try {
      last = await w.post(token, k, p, { timeoutMs: 5_000, ...(url ? { url: url() } : {}) });
      if (last.status !== 409 && last.status !== 503 && last.status < 500) return last;
      if (last.status !== 409) conflictSince = undefined;
      else if (conflictSince === undefined) conflictSince = Date.now();
      else if (Date.now() - conflictSince > stuck409Ms) {
        return ctx.fail(
          "payments complete",
          `${what} was answered 409 (in flight) for ${Math.round((Date.now() - conflictSince) / 1000)} s without a break, over ${stuck409Ms / LEASE_MS} leases of ${LEASE_MS} ms: a lock whose owner died must be taken over once its lease has expired`,
        );
      }
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
    }
    await sleep(50 + ctx.rng.int(100));
  }
  return ctx.fail(
    "payments complete",
    `${what} did not complete within ${withinMs / 1000} s of retries; last answer: ${show(last)}`,
  );
}

async function crashAfterProviderCharge(ctx: Ctx, w: World, n: number): Promise<{ p: Payment; r: HttpReply }> {
  const p = payment(ctx, "crash-charge", n);
  const k = key(ctx, "crash-charge", n);
  await w.armFailpoint("provider.after-charge");
  const lost = await w.tryPost("alice", k, p);
  ctx.check(
    lost === undefined,
    "the failpoint fired",
    () =>
      `the server should have died right after the provider charged, but answered ${show(lost)} (did the handler call deps.provider.charge?)`,
  );
  ctx.check(await w.waitForCrash(), "the failpoint fired", "the server did not die at the failpoint");
  await w.restart();
  // The crashed request's lock is now stale.
  await w.advanceClock(LEASE_MS + 1_000);
  const r = await settle(
    ctx,
    w,
    "alice",
    k,
    p,
    `the retry of ${p.description} after the crash`,
    undefined,
    30_000,
    RETRY_STUCK_MS,
  );
  expectCharge(ctx, r, p, `the retry of ${p.description} after the crash`);
  return { p, r };
}

/**
 * The provider's answer is lost without a crash: it is down (nothing charged), or it charged and
 * then failed (500). Either way the server answers 503 provider-unavailable with Retry-After,
 * stores nothing and unlocks the key, so the very next retry (no 409, no wait for a lease)
 * resumes from the recovery point with the same provider key: charged exactly once.
 */
async function providerFailures(ctx: Ctx, w: World): Promise<Array<{ p: Payment; r: HttpReply }>> {
  const done: Array<{ p: Payment; r: HttpReply }> = [];
  const failures: Array<[keyof typeof w.provider.faults, string]> = [
    ["down", "the provider is down"],
    ["failAfterCharge", "the provider charged, then answered 500"],
  ];
  for (const [i, [fault, what]] of failures.entries()) {
    const p = payment(ctx, "provider-failure", i);
    const k = key(ctx, "provider-failure", i);
    const normal = w.provider.faults;
    w.provider.faults = { ...normal, ...(fault === "down" ? { down: true } : { failAfterCharge: 1 }) };
    const r1 = await w.post("alice", k, p);
    w.provider.faults = normal;
    expectProblem(ctx, r1, 503, "provider-unavailable", `${p.description} while ${what}`);
    expectRetryAfter(ctx, r1, "provider failures are retried", `${p.description} while ${what}`);
    const r2 = await w.post("alice", k, p);
    ctx.check(
      r2.status === 201 && r2.headers["idempotent-replayed"] === undefined,
      "provider failures are retried",
      () =>
        `${p.description}: after ${what} and a 503, the retry must resume the payment (a fresh 201): the 503 is not stored and the key is unlocked; got ${show(r2)}${r2.headers["idempotent-replayed"] ? " (replayed)" : ""}`,
    );
    expectCharge(ctx, r2, p, `the retry of ${p.description} after ${what}`);
    const keys = new Set(w.provider.requests.filter((q) => q.description === p.description).map((q) => q.key));
    ctx.check(
      keys.size === 1 && !keys.has(null),
      "provider failures are retried",
      () =>
        `${p.description} reached the provider with ${[...keys].map((x) => JSON.stringify(x)).join(", ")}: every attempt of one payment sends the same provider idempotency key`,
    );
    done.push({ p, r: r2 });
  }
  return done;
}

export const partD: S[] = [
  {
    part: "D",
    name: "crash after the provider charged",
    points: 10,
    seeds: 3,
    timeoutMs: CRASH_LIMIT,
    deterministic: false,
    hints: [
      "The server died after the provider charged and before anything was stored. The retry must complete the payment without charging again.",
      "Pass the provider an idempotency key derived from the stored key row (the same on every retry, after any crash), and resume from the recovery point: a key still at 'started' calls the provider again with that same key.",
      "A lock whose holder died must not block forever: after config.leaseMs a retry takes the key over.",
      "The same holds without a crash: when the provider is down or charges and then fails, answer 503 provider-unavailable (with Retry-After), store nothing and unlock the key, so that the next retry resumes at once with the same provider key.",
    ],
    async run(ctx) {
      await withWorld(ctx, { config: { leaseMs: LEASE_MS }, provider: { latencyMs: [5, 20] } }, async (w) => {
        const p0 = payment(ctx, "crash-charge", 0);
        const r0 = await w.post("alice", key(ctx, "crash-charge", 0), p0);
        expectCharge(ctx, r0, p0, "a payment before any crash");
        const failed = await providerFailures(ctx, w);
        const a = await crashAfterProviderCharge(ctx, w, 1);
        const p2 = payment(ctx, "crash-charge", 2);
        const r2 = await w.post("alice", key(ctx, "crash-charge", 2), p2);
        expectCharge(ctx, r2, p2, "a payment after the restart");
        await w.audit(
          new Map([
            [p0.description, 1],
            ...failed.map((f): [string, number] => [f.p.description, 1]),
            [a.p.description, 1],
            [p2.description, 1],
          ]),
          [
            { body: r0.body, what: "the payment before the crash" },
            ...failed.map((f) => ({ body: f.r.body, what: `${f.p.description} (after a provider failure)` })),
            { body: a.r.body, what: `${a.p.description} (after a crash)` },
            { body: r2.body, what: "the payment after the restart" },
          ],
        );
      });
    },
  },
  {
    part: "D",
    name: "crash after the reply was sent",
    points: 5,
    seeds: 3,
    timeoutMs: CRASH_LIMIT,
    deterministic: false,
    hints: [
      "The client got a 201, then the server died. After the restart a retry must get that same 201 again.",
      "Store the response (and the charge row) in the database and commit before you answer; never answer first and store later.",
    ],
    async run(ctx) {
      await withWorld(ctx, { config: { leaseMs: LEASE_MS }, provider: { latencyMs: [5, 20] } }, async (w) => {
        const acked: Array<{ body: string; what: string }> = [];
        const expected = new Map<string, number>();
        for (let n = 1; n <= 1; n++) {
          const p = payment(ctx, "crash-reply", n);
          const k = key(ctx, "crash-reply", n);
          await w.armFailpoint("server.after-reply");
          const r1 = await w.post("alice", k, p);
          expectCharge(ctx, r1, p, `payment ${n}`);
          ctx.check(await w.waitForCrash(), "the failpoint fired", "the server did not die after replying");
          await w.restart();
          await w.advanceClock(LEASE_MS + 1_000);
          const r2 = await settle(
            ctx,
            w,
            "alice",
            k,
            p,
            `the retry of payment ${n} after the crash`,
            undefined,
            30_000,
            RETRY_STUCK_MS,
          );
          expectReplay(
            ctx,
            r2,
            r1,
            `the retry of payment ${n} after the crash (the client had received ${(safeJson(r1.body) as { id?: string }).id})`,
          );
          acked.push({ body: r1.body, what: `payment ${n}` });
          expected.set(p.description, 1);
        }
        await w.audit(expected, acked);
      });
    },
  },
  {
    part: "D",
    name: "random crashes under load",
    points: 5,
    seeds: 2,
    timeoutMs: CRASH_LIMIT,
    deterministic: false,
    hints: [
      "Three clients pay while the server is killed at random moments and restarted on the same database; every payment must end charged exactly once.",
      "Every step must be safe to cut anywhere: phase 1 and phase 3 are transactions, phase 2 is made safe by the provider's idempotency key, and stale locks are taken over after the lease.",
    ],
    async run(ctx) {
      await withWorld(ctx, { config: { leaseMs: LEASE_MS }, provider: { latencyMs: [5, 40] } }, async (w) => {
        const proxy = await startHttpFaultProxy({ target: w.url, seed: ctx.seed, stream: "crash-load" });
        try {
          const clients = ["alice", "bob", "carol"];
          const work = clients.map((token, c) =>
            Array.from({ length: 5 }, (_, i) => ({
              token,
              p: payment(ctx, `load-${token}`, i),
              k: key(ctx, `load-${c}`, i),
            })),
          );
          const acked: Array<{ body: string; what: string }> = [];
          let done = false;
          const runners = work.map(async (items) => {
            for (const it of items) {
              const r = await settle(
                ctx,
                w,
                it.token,
                it.k,
                it.p,
                it.p.description,
                () => proxy.url,
                60_000,
                STUCK_LOCK_MS,
              );
              expectCharge(ctx, r, it.p, it.p.description);
              acked.push({ body: r.body, what: it.p.description });
            }
          });
          const all = Promise.all(runners).finally(() => {
            done = true;
          });
          all.catch(() => {});
          const rng = new Rng(ctx.seed, "crash-times");
          for (let kill = 0; kill < 2 && !done; kill++) {
            // The first kill lands while a payment holds its key (its provider answer held back),
            // whatever the machine's speed; the second at a random moment.
            const victim =
              kill === 0 ? (rng.pick(work.flat()) as (typeof work)[number][number]).p.description : undefined;
            const release = victim === undefined ? () => {} : w.provider.hold(victim);
            if (victim !== undefined) await untilProviderSaw(w, victim, all, 120_000);
            else await sleep(100 + rng.int(300));
            if (done) {
              release();
              break;
            }
            await w.restart();
            release();
            proxy.setTarget(w.url);
            await w.advanceClock(LEASE_MS + 500);
          }
          await all;
          await w.audit(new Map(work.flat().map((it) => [it.p.description, 1])), acked);
        } finally {
          await proxy.close();
        }
      });
    },
  },
];

interface Fronted {
  proxy: HttpFaultProxy;
  /** Every request that reached the proxy (what the client sent), in order. */
  sent: Array<{ description: string; key: string }>;
}

async function withProxy(
  ctx: Ctx,
  w: World,
  opts: Omit<HttpFaultProxyOptions, "target" | "seed">,
  fn: (f: Fronted) => Promise<void>,
): Promise<void> {
  const sent: Fronted["sent"] = [];
  // Fault streams are named by payment (its description), not by the client's random key, so a
  // seed gives the same fault pattern on every run.
  const keyOf: HttpFaultProxyOptions["keyOf"] = (i) => {
    const description = descriptionOf(i.body.toString("utf8"));
    const key = i.headers["idempotency-key"];
    if (i.url.startsWith("/charges"))
      sent.push({ description: description ?? "", key: Array.isArray(key) ? key.join(", ") : (key ?? "") });
    return description ?? i.url;
  };
  const proxy = await startHttpFaultProxy({ target: w.url, seed: ctx.seed, keyOf, ...opts });
  try {
    await fn({ proxy, sent });
  } finally {
    await proxy.close();
  }
}

function newClient(w: World, url: string, token: string, stream: string, extra: Record<string, number> = {}) {
  return w.client({
    baseUrl: url,
    token,
    stream,
    maxAttempts: 12,
    attemptTimeoutMs: 1_000,
    baseDelayMs: 20,
    maxDelayMs: 200,
    ...extra,
  });
}

/** Requests the client sent per payment (its description): how many and with which keys. */
function keysByPayment(sent: Fronted["sent"]): Map<string, { n: number; keys: Set<string> }> {
  const m = new Map<string, { n: number; keys: Set<string> }>();
  for (const r of sent) {
    const e = m.get(r.description) ?? { n: 0, keys: new Set<string>() };
    e.n++;
    e.keys.add(r.key);
    m.set(r.description, e);
  }
  return m;
}

export const partE: S[] = [
  {
    part: "E",
    name: "client retries through lost requests and responses",
    points: 7,
    seeds: 3,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "Requests and responses get lost, duplicated and delayed. Retry after a timeout or a reset, and after 409/5xx, until a final answer.",
      "Use ONE Idempotency-Key for all attempts of a payment: a lost response means the server may have charged; only the same key makes the retry safe.",
    ],
    async run(ctx) {
      await withWorld(ctx, { provider: { latencyMs: [2, 20] } }, async (w) => {
        await withProxy(
          ctx,
          w,
          { faults: { loseRequest: 0.2, loseResponse: 0.2, duplicate: 0.15, delay: 0.2, delayMs: [5, 60] } },
          async ({ proxy, sent }) => {
            const tokens = ["alice", "bob"];
            const acked: Array<{ body: string; what: string }> = [];
            const expected = new Map<string, number>();
            await Promise.all(
              tokens.map(async (token) => {
                const client = newClient(w, proxy.url, token, token);
                for (let i = 0; i < 6; i++) {
                  const p = payment(ctx, `lossy-${token}`, i);
                  expected.set(p.description, 1);
                  const out = await client.createCharge(p);
                  w.checkImplemented();
                  ctx.check(
                    out.reply?.status === 201,
                    "payments complete",
                    () =>
                      `${p.description}: the client gave up after ${out.attempts} attempts with ${out.reply ? show(out.reply) : out.error}`,
                  );
                  expectCharge(ctx, out.reply, p, `${p.description} via the client`);
                  acked.push({ body: out.reply!.body, what: p.description });
                }
              }),
            );
            for (const [d, e] of keysByPayment(sent)) {
              ctx.check(
                e.keys.size === 1,
                "one key per payment",
                () =>
                  `the client sent ${d} with ${e.keys.size} different Idempotency-Keys over ${e.n} requests: every retry must reuse the first key`,
              );
            }
            ctx.metric("lost requests", proxy.stats.lostRequests);
            ctx.metric("lost responses", proxy.stats.lostResponses);
            await w.audit(expected, acked);
          },
        );
      });
    },
  },
  {
    part: "E",
    name: "client stops on final answers",
    points: 4,
    seeds: 2,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "A 4xx other than 409 (and 429) means the request itself is wrong or finally refused: retrying cannot help. Return it after one attempt.",
      '409 means "in flight": retry it (with backoff) until the first request finishes and you get the replay.',
      "5xx is retried, but not forever: after maxAttempts attempts (default 8) return the last answer.",
    ],
    async run(ctx) {
      await withWorld(ctx, { provider: { latencyMs: [5, 20] }, providerTimeoutMs: 60_000 }, async (w) => {
        await withProxy(ctx, w, {}, async ({ proxy, sent }) => {
          const client = newClient(w, proxy.url, "alice", "final");
          const bad = payment(ctx, "final", 1, { amount: -1 });
          const o1 = await client.createCharge(bad);
          w.checkImplemented();
          ctx.check(
            o1.reply?.status === 400 && o1.attempts === 1,
            "no retry of 4xx",
            () =>
              `an invalid payment (400) must be returned after 1 attempt; got ${o1.reply ? show(o1.reply) : o1.error} after ${o1.attempts} attempts`,
          );
          const declined = payment(ctx, "final", 2, { source: "tok_declined" });
          const o2 = await client.createCharge(declined);
          ctx.check(
            o2.reply?.status === 402 && o2.attempts === 1,
            "no retry of 4xx",
            () =>
              `a declined payment (402) must be returned after 1 attempt; got ${o2.reply ? show(o2.reply) : o2.error} after ${o2.attempts} attempts`,
          );
          const p = payment(ctx, "final", 3);
          const k = key(ctx, "final", 3);
          const first = await client.createCharge(p, { idempotencyKey: k });
          expectCharge(ctx, first.reply, p, "a payment with an explicit key");
          const o3 = await client.createCharge({ ...p, amount: p.amount + 1 }, { idempotencyKey: k });
          ctx.check(
            o3.reply?.status === 422 && o3.attempts === 1,
            "no retry of 4xx",
            () =>
              `a reused key with another payload (422) must be returned after 1 attempt; got ${o3.reply ? show(o3.reply) : o3.error} after ${o3.attempts} attempts`,
          );
          const p4 = payment(ctx, "final", 4);
          const k4 = key(ctx, "final", 4);
          // The provider holds the first request's answer until the client got a 409 for its
          // attempt (or the server sent the retry to the provider): no latency to guess.
          const release = w.provider.hold(p4.description);
          const direct = w.post("alice", k4, p4, { timeoutMs: 90_000 });
          direct.catch(() => {});
          await untilProviderSaw(w, p4.description, direct);
          const run = client.createCharge(p4, { idempotencyKey: k4 });
          const got409 = () =>
            proxy.events.some((e) => e.kind === "forwarded" && e.key === p4.description && e.status === 409);
          await untilProviderSaw(w, p4.description, run, 60_000, 2, got409);
          release();
          const o4 = await run;
          const d = await direct;
          ctx.check(
            o4.reply?.status === 201 && o4.attempts >= 2,
            "409 is retried",
            () =>
              `a payment in flight answers 409 first; the client must retry it until the replay. Got ${o4.reply ? show(o4.reply) : o4.error} after ${o4.attempts} attempts`,
          );
          ctx.check(
            o4.reply!.body === d.body,
            "409 is retried",
            "the client's final answer is not the replay of the first request",
          );
          // The provider is down: every attempt gets 503 and the client gives up after maxAttempts
          // (3 given, then the default 8), returning the last answer.
          const normal = w.provider.faults;
          w.provider.faults = { ...normal, down: true };
          const unavailable = payment(ctx, "final", 5);
          const o5 = await newClient(w, proxy.url, "alice", "give-up", { maxAttempts: 3 }).createCharge(unavailable);
          const byDefault = payment(ctx, "final", 6);
          const o6 = await w.client({ baseUrl: proxy.url, token: "alice", stream: "defaults" }).createCharge(byDefault);
          w.provider.faults = normal;
          ctx.check(
            o5.reply?.status === 503 && o5.attempts === 3,
            "the client gives up after maxAttempts",
            () =>
              `with the provider down every attempt is answered 503; with maxAttempts 3 the client must make 3 attempts and return the last 503, got ${o5.reply ? show(o5.reply) : o5.error} after ${o5.attempts} attempts`,
          );
          ctx.check(
            o6.reply?.status === 503 && o6.attempts === 8,
            "the client gives up after maxAttempts",
            () =>
              `with the provider down and no options but baseUrl and token, the client must make the default 8 attempts and return the last 503, got ${o6.reply ? show(o6.reply) : o6.error} after ${o6.attempts} attempts`,
          );
          const seen = keysByPayment(sent);
          for (const x of [bad, declined])
            ctx.check(
              (seen.get(x.description)?.n ?? 0) === 1,
              "no retry of 4xx",
              () => `the client sent ${x.description} ${seen.get(x.description)?.n ?? 0} times`,
            );
          for (const [x, n] of [
            [unavailable, 3],
            [byDefault, 8],
          ] as const)
            ctx.check(
              (seen.get(x.description)?.n ?? 0) === n,
              "the client gives up after maxAttempts",
              () => `the client sent ${x.description} ${seen.get(x.description)?.n ?? 0} times, expected ${n} attempts`,
            );
          await w.audit(
            new Map([
              [p.description, 1],
              [p4.description, 1],
            ]),
            [
              { body: first.reply!.body, what: p.description },
              { body: d.body, what: p4.description },
            ],
          );
        });
      });
    },
  },
  {
    part: "E",
    name: "synchronized retries spread out",
    points: 3,
    seeds: 3,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "Twenty clients fail at the same instant. If they all wait the same backoff they come back at the same instant, again and again (a thundering herd).",
      'Add jitter: wait a random time, e.g. random() * min(maxDelayMs, baseDelayMs * 2^(n-1)) ("full jitter"), with the random source from the options.',
    ],
    async run(ctx) {
      await withWorld(ctx, {}, async (w) => {
        const baseDelayMs = 200;
        await withProxy(
          ctx,
          w,
          { decide: (info) => (info.occurrence < 3 ? { loseRequest: true } : undefined) },
          async ({ proxy }) => {
            const n = 20;
            const payments = Array.from({ length: n }, (_, i) => payment(ctx, "herd", i));
            const outs = await Promise.all(
              payments.map((p, i) =>
                newClient(w, proxy.url, `client${i}`, `herd${i}`, { baseDelayMs, maxDelayMs: 2_000 }).createCharge(p),
              ),
            );
            w.checkImplemented();
            outs.forEach((o, i) => {
              ctx.check(
                o.reply?.status === 201,
                "payments complete",
                () => `${payments[i]!.description}: ${o.reply ? show(o.reply) : o.error} after ${o.attempts} attempts`,
              );
            });
            // Each client's wait before retry n: from its lost attempt n-1 to its attempt n. Without
            // jitter every client waits the same backoff, so the waits agree up to the machine's
            // scheduling noise; with full jitter they spread over the whole backoff. (Comparing
            // waits, not arrival times, keeps the noise of a busy machine from passing lockstep.)
            const waits = (occurrence: number) => {
              const at = new Map<string, number[]>();
              for (const e of proxy.events)
                if (e.kind === "lost-request" || e.kind === "forwarded")
                  at.set(`${e.key}#${e.occurrence}`, [...(at.get(`${e.key}#${e.occurrence}`) ?? []), e.at]);
              return payments.flatMap((p) => {
                const before = at.get(`${p.description}#${occurrence - 1}`)?.[0];
                const after = at.get(`${p.description}#${occurrence}`)?.[0];
                return before === undefined || after === undefined ? [] : [after - before];
              });
            };
            const waitRange = (occurrence: number) => {
              const spread = waits(occurrence);
              return spread.length < 2 ? 0 : Math.max(...spread) - Math.min(...spread);
            };
            const s1 = waitRange(1);
            const s2 = waitRange(2);
            ctx.metric("range of the clients' waits before the first retry", s1, "ms");
            ctx.metric("range of the clients' waits before the second retry", s2, "ms");
            // And bounded by the exponential ceiling: before the first retry it is baseDelayMs (mean
            // wait about baseDelayMs / 2 with full jitter), not maxDelayMs.
            const firstWaits = waits(1);
            const mean = firstWaits.reduce((a, b) => a + b, 0) / Math.max(1, firstWaits.length);
            ctx.metric("mean wait before the first retry", Math.round(mean), "ms");
            ctx.check(
              mean <= 2.5 * baseDelayMs,
              "backoff grows from baseDelayMs",
              () =>
                `the ${n} clients waited ${Math.round(mean)} ms on average before their first retry, with baseDelayMs ${baseDelayMs} and maxDelayMs 2000: the wait before retry n is drawn below min(maxDelayMs, baseDelayMs * 2^(n-1)), so below ${baseDelayMs} ms for the first`,
            );
            ctx.check(
              s1 >= 0.4 * baseDelayMs && s2 >= 0.4 * 2 * baseDelayMs,
              "retries are jittered",
              () =>
                `the waits of ${n} clients that failed together differed by at most ${s1} ms before the first retry and ${s2} ms before the second, with a base backoff of ${baseDelayMs} ms: the backoff has no jitter (the waits should spread over most of the backoff, e.g. random() * min(maxDelayMs, baseDelayMs * 2^(n-1)))`,
            );
            await w.audit(
              new Map(payments.map((p) => [p.description, 1])),
              outs.map((o, i) => ({ body: o.reply!.body, what: payments[i]!.description })),
            );
          },
        );
      });
    },
  },
  {
    part: "E",
    name: "backoff grows from baseDelayMs to maxDelayMs, with no wait after the last attempt",
    points: 3,
    seeds: 2,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "The invariant named above says which part of the retry loop broke: which answers are retried, how long each wait is, what the outcome says when nothing answered, or a wait after the last attempt.",
      "Retry n waits about min(maxDelayMs, baseDelayMs * 2^(n-1)) at most: count n from 1 for the first retry, and cap it with maxDelayMs (the option, or 2000 when none is given).",
      "A 429 (too many requests) and every 5xx, a plain 500 included, are retried; an attempt that gets no answer at all is retried too, and when none answers the outcome says why (`error`) and how many attempts were made.",
      "Do not wait after the last attempt: return its answer (or its error) at once.",
    ],
    async run(ctx) {
      await withWorld(ctx, {}, async (w) => {
        // Every client draws 0.99 from `random`, so each wait is near its ceiling
        // min(maxDelayMs, baseDelayMs * 2^(n-1)) whatever the jitter formula: at least half
        // of it (full jitter waits 0.99 of it), and at most the ceiling plus the time this
        // busy machine adds (WAIT_SLACK_MS).
        const random = 0.99;
        const grow = { p: payment(ctx, "backoff-grow", 1), baseDelayMs: 400, maxDelayMs: 10_000 };
        const capped = { p: payment(ctx, "backoff-cap", 2), baseDelayMs: 300, maxDelayMs: 400 };
        const unreachable = { p: payment(ctx, "backoff-unreachable", 3), baseDelayMs: 1_000, maxDelayMs: 2_000 };
        // A gateway in front of the server answers grow's first attempts itself (429, then a
        // plain 500, then 503), every attempt of capped (503), and drops every connection of
        // unreachable; when each request arrived is measured here.
        const gateway = [429, 500, 503];
        const arrivals = new Map<string, number[]>();
        const decide: HttpFaultProxyOptions["decide"] = (info) => {
          arrivals.set(info.key, [...(arrivals.get(info.key) ?? []), performance.now()]);
          if (info.key === grow.p.description)
            return info.occurrence < gateway.length ? { answer: { status: gateway[info.occurrence]! } } : undefined;
          if (info.key === capped.p.description) return { answer: { status: 503 } };
          if (info.key === unreachable.p.description) return { loseRequest: true };
          return undefined;
        };
        await withProxy(ctx, w, { decide }, async ({ proxy }) => {
          const timed = async (o: Promise<ChargeOutcome>) => {
            const out = await o;
            return { out, returnedAt: performance.now() };
          };
          const charge = (token: string, spec: typeof grow, maxAttempts: number) =>
            timed(
              newClient(w, proxy.url, token, token, {
                fixedRandom: random,
                maxAttempts,
                baseDelayMs: spec.baseDelayMs,
                maxDelayMs: spec.maxDelayMs,
              }).createCharge(spec.p),
            );
          const [g, c, u] = await Promise.all([
            charge("alice", grow, 6),
            charge("bob", capped, 5),
            // No maxDelayMs: the default cap (2000) applies.
            timed(
              w
                .client({
                  baseUrl: proxy.url,
                  token: "carol",
                  stream: "unreachable",
                  fixedRandom: random,
                  maxAttempts: 2,
                  baseDelayMs: unreachable.baseDelayMs,
                })
                .createCharge(unreachable.p),
            ),
          ]);
          w.checkImplemented();
          const said = (o: ChargeOutcome) => (o.reply ? show(o.reply) : `the error ${JSON.stringify(o.error)}`);
          ctx.check(
            g.out.reply?.status === 201 && g.out.attempts === 4,
            "429 and 5xx are retried",
            () =>
              `${grow.p.description}: a gateway answered the first three attempts 429, 500 and 503, then the server took the payment; the client must retry all three and return the 201 of attempt 4, got ${said(g.out)} after ${g.out.attempts} attempts`,
          );
          expectCharge(ctx, g.out.reply, grow.p, `${grow.p.description} via the client`);
          ctx.check(
            c.out.reply?.status === 503 && c.out.attempts === 5,
            "the client gives up after maxAttempts",
            () =>
              `${capped.p.description}: every attempt was answered 503; with maxAttempts 5 the client must return the last 503 after 5 attempts, got ${said(c.out)} after ${c.out.attempts} attempts`,
          );
          ctx.check(
            u.out.reply === undefined && u.out.attempts === 2 && typeof u.out.error === "string" && u.out.error !== "",
            "a transport failure is reported",
            () =>
              `${unreachable.p.description}: no attempt got an answer (each connection was reset); with maxAttempts 2 the outcome must be { attempts: 2, error: "<what went wrong>" } with no reply, got attempts ${u.out.attempts}, ${u.out.reply ? `reply ${show(u.out.reply)}` : "no reply"}, error ${JSON.stringify(u.out.error)}`,
          );
          const waitsOf = (description: string) => {
            const at = arrivals.get(description) ?? [];
            return at.slice(1).map((t, i) => Math.round(t - at[i]!));
          };
          for (const [which, spec, check] of [
            ["grow", grow, "backoff grows from baseDelayMs"],
            ["capped", capped, "backoff is capped at maxDelayMs"],
            ["unreachable", unreachable, "backoff grows from baseDelayMs"],
          ] as const) {
            const waits = waitsOf(spec.p.description);
            waits.forEach((waited, i) => {
              ctx.metric(`${which}: wait before retry ${i + 1}`, waited, "ms");
              const ceiling = Math.min(spec.maxDelayMs, spec.baseDelayMs * 2 ** i);
              ctx.check(
                waited >= ceiling / 2 && waited <= ceiling + WAIT_SLACK_MS,
                check,
                () =>
                  `${spec.p.description}: with random() always 0.99, baseDelayMs ${spec.baseDelayMs} and maxDelayMs ${spec.maxDelayMs}${which === "unreachable" ? " (the default)" : ""}, retry ${i + 1} must wait between ${ceiling / 2} and ${ceiling} ms (min(maxDelayMs, baseDelayMs * 2^${i}) = ${ceiling}); it came ${waited} ms after attempt ${i + 1} (all waits: ${waits.join(", ")} ms)`,
              );
            });
          }
          const lastAttempt = (arrivals.get(unreachable.p.description) ?? []).at(-1) ?? u.returnedAt;
          const after = Math.round(u.returnedAt - lastAttempt);
          ctx.metric("from the last attempt to the outcome", after, "ms");
          ctx.check(
            after <= WAIT_SLACK_MS,
            "no wait after the last attempt",
            () =>
              `${unreachable.p.description}: the client returned ${after} ms after its last attempt failed: a backoff after the last attempt only delays the answer`,
          );
          await w.audit(new Map([[grow.p.description, 1]]), [{ body: g.out.reply!.body, what: grow.p.description }]);
        });
      });
    },
  },
  {
    part: "E",
    name: "client times out a stalled attempt",
    points: 3,
    seeds: 2,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "A response can be lost without the connection closing: the attempt just hangs. Give every attempt its own timeout (opts.attemptTimeoutMs) and retry.",
      "Pass timeoutMs to the transport (or abort the attempt yourself) on every attempt, not once for the whole call.",
    ],
    async run(ctx) {
      await withWorld(ctx, {}, async (w) => {
        await withProxy(
          ctx,
          w,
          {
            lostResponseMode: "hang",
            holdMs: STALL_MS,
            decide: (info) => (info.occurrence === 0 ? { loseResponse: true } : undefined),
          },
          async ({ proxy }) => {
            const client = newClient(w, proxy.url, "alice", "stall", { attemptTimeoutMs: 400 });
            const acked: Array<{ body: string; what: string }> = [];
            const expected = new Map<string, number>();
            for (let i = 0; i < 2; i++) {
              const p = payment(ctx, "stall", i);
              const t = Date.now();
              const out = await client.createCharge(p);
              const took = Date.now() - t;
              w.checkImplemented();
              expectCharge(ctx, out.reply, p, `${p.description} via the client`);
              ctx.check(
                took < STALL_MS - 4_000,
                "attempts time out",
                () =>
                  `${p.description} took ${took} ms although each attempt has a 400 ms timeout: the stalled first attempt was not abandoned`,
              );
              acked.push({ body: out.reply!.body, what: p.description });
              expected.set(p.description, 1);
            }
            await w.audit(expected, acked);
          },
        );
      });
    },
  },
];
