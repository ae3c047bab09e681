/** Parts A (keys and replay), B (conflicts and payload mismatch) and C (concurrency). */
import type { Scenario } from "@faultline/grading";
import type { HttpReply } from "@faultline/lab-idempotency-api/framework";
import {
  expectCharge,
  expectFresh,
  expectProblem,
  expectReplay,
  expectRetryAfter,
  key,
  payment,
  show,
} from "./checks.ts";
import { NO_DESCRIPTION, safeJson, sleep, withWorld, type LabModule, type World } from "./world.ts";

type S = Scenario<LabModule>;
const LIMIT = 60_000;

export const partA: S[] = [
  {
    part: "A",
    name: "first charge and replay",
    points: 10,
    seeds: 3,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "Store the response of the first request under (client, key) and send exactly those bytes again on a retry.",
      'A retry after completion answers the stored status and body unchanged, with the header "idempotent-replayed: true"; it must not call the provider again.',
      "Phase 1: SELECT ... FOR UPDATE the key row; finished -> replay. Phase 3 (one transaction): insert the charges row, store status/content type/body, recovery_point = 'finished'.",
    ],
    async run(ctx) {
      await withWorld(ctx, {}, async (w) => {
        const p1 = payment(ctx, "replay", 1);
        const p2 = payment(ctx, "replay", 2);
        const k1 = key(ctx, "replay", 1);
        const r1 = await w.post("alice", k1, p1);
        expectCharge(ctx, r1, p1, "the first POST /charges");
        expectFresh(ctx, r1, "the first POST /charges");
        for (let i = 0; i < 3; i++)
          expectReplay(ctx, await w.post("alice", k1, p1), r1, `retry ${i + 1} with the same key`);
        const r2 = await w.post("alice", key(ctx, "replay", 2), p2);
        const c2 = expectCharge(ctx, r2, p2, "a second payment with another key");
        ctx.check(
          c2.id !== (safeJson(r1.body) as { id: string }).id,
          "a new payment is charged",
          "two different keys got the same charge id",
        );
        await w.audit(
          new Map([
            [p1.description, 1],
            [p2.description, 1],
          ]),
          [
            { body: r1.body, what: "payment 1" },
            { body: r2.body, what: "payment 2" },
          ],
        );
      });
    },
  },
  {
    part: "A",
    name: "bad requests are rejected and nothing is stored",
    points: 5,
    seeds: 2,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "Validate before you touch the database: a rejected request stores nothing and charges nothing, so the same key can be used again with a good request.",
      '401 unauthorized without "Authorization: Bearer <token>"; 400 idempotency-key-missing / idempotency-key-invalid; 415 for a Content-Type other than application/json; 400 invalid-json; 400 invalid-request for a body that is not a valid charge.',
      'Errors are problem details: Content-Type application/problem+json and a body {"type":"urn:faultline:problem:<slug>","title","status","detail"}.',
      "The bounds belong to the contract: an amount of 1 or 1000000, keys of 8 and 255 characters (bare, or in double quotes: the same key), tokens of 64, sources of 1 and 64 and a description of 200 characters (or null, or none) are valid, one step past them is not; parameters and case of the Content-Type do not matter, nor the number of spaces after Bearer.",
    ],
    async run(ctx) {
      await withWorld(ctx, {}, async (w) => {
        const p = payment(ctx, "bad", 1);
        const k = (n: number) => key(ctx, "bad", n);
        expectProblem(ctx, await w.post("alice", undefined, p), 400, "idempotency-key-missing", "no Idempotency-Key");
        expectProblem(ctx, await w.post("alice", "", p), 400, "idempotency-key-missing", "an empty Idempotency-Key");
        // A quote on one side only, or quotes around nothing, is not the draft's quoted string.
        for (const bad of [
          "short",
          "x".repeat(256),
          "has spaces in it",
          "slash/in/the/key",
          "semi;colon;key",
          '"order-00001',
          'order-00001"',
          '""',
        ]) {
          expectProblem(
            ctx,
            await w.post("alice", bad, p),
            400,
            "idempotency-key-invalid",
            `Idempotency-Key "${bad.slice(0, 20)}${bad.length > 20 ? "..." : ""}"`,
          );
        }
        // 7 and 256 characters: one outside each bound of 8..255.
        for (const bad of ["seven77", "x".repeat(256)])
          expectProblem(
            ctx,
            await w.post("alice", bad, p),
            400,
            "idempotency-key-invalid",
            `an Idempotency-Key of ${bad.length} characters`,
          );
        const used = [k(1), k(2), k(3), k(4), k(5), k(6)];
        const unauthorized = (r: HttpReply, what: string) => {
          expectProblem(ctx, r, 401, "unauthorized", what);
          ctx.check(
            /^bearer\b/i.test(r.headers["www-authenticate"] ?? ""),
            "a 401 names its scheme",
            () =>
              `${what}: a 401 must carry the header WWW-Authenticate: Bearer (RFC 9110, 11.6.1: it tells the client how to authenticate), got ${r.headers["www-authenticate"] === undefined ? "none" : `"${r.headers["www-authenticate"]}"`}`,
          );
        };
        unauthorized(await w.post(undefined, used[0], p), "no Authorization header");
        for (const auth of [
          "Basic YWxpY2U6c2VjcmV0",
          "NotBearer alice",
          "Bearer",
          "Bearer two tokens",
          "Bearer al!ce",
          `Bearer ${"t".repeat(65)}`,
        ]) {
          unauthorized(
            await w.post(undefined, used[0], p, { headers: { authorization: auth } }),
            `Authorization "${auth.slice(0, 30)}${auth.length > 30 ? "..." : ""}"`,
          );
        }
        expectProblem(
          ctx,
          await w.post("alice", used[1], JSON.stringify(p), { headers: { "content-type": "text/plain" } }),
          415,
          "unsupported-media-type",
          "Content-Type text/plain",
        );
        expectProblem(
          ctx,
          await w.post("alice", used[2], '{"amount": 100, "currency": "usd",'),
          400,
          "invalid-json",
          "a body that is not JSON",
        );
        expectProblem(
          ctx,
          await w.post("alice", used[1], JSON.stringify(p), { headers: { "content-type": "" } }),
          415,
          "unsupported-media-type",
          "no Content-Type",
        );
        // One value past each bound of the contract (the bounds themselves are accepted below).
        const invalid: Array<[unknown, string]> = [
          [{ ...p, amount: -5 }, "a negative amount"],
          [{ ...p, amount: 0 }, "an amount of 0"],
          [{ ...p, amount: 1_000_001 }, "an amount of 1000001"],
          [{ ...p, amount: 10.5 }, "a fractional amount"],
          [{ ...p, amount: String(p.amount) }, "an amount given as a string"],
          [{ ...p, currency: "US Dollars" }, 'currency "US Dollars"'],
          [{ ...p, currency: "USD" }, 'currency "USD" (upper case)'],
          [{ ...p, currency: "us" }, 'currency "us"'],
          [{ ...p, currency: "usdd" }, 'currency "usdd"'],
          [{ ...p, currency: ["usd"] }, 'currency ["usd"] (an array)'],
          [{ ...p, source: "" }, "an empty source"],
          [{ ...p, source: "s".repeat(65) }, "a source of 65 characters"],
          [{ ...p, source: 42 }, "a source that is a number"],
          [{ ...p, description: "d".repeat(201) }, "a description of 201 characters"],
          [{ ...p, description: 17 }, "a description that is a number"],
          [{ ...p, extra: true }, "an unknown field"],
          [[p], "a JSON array"],
          [null, "the JSON null"],
          [JSON.stringify("a string"), "a JSON string"],
          [{ currency: "usd", source: "tok_visa" }, "no amount"],
        ];
        for (const [body, what] of invalid)
          expectProblem(ctx, await w.post("alice", used[3], body), 400, "invalid-request", what);
        const big = { ...p, description: "x".repeat(20_000) };
        const r413 = await w.post("alice", used[4], big);
        ctx.check(r413.status === 413, "error codes", () => `a body over 16 KiB: expected 413, got ${show(r413)}`);
        const r404 = await w.post("alice", used[5], p, { path: "/charge" });
        ctx.check(
          r404.status === 404,
          "error codes",
          () => `POST /charge (unknown route): expected 404, got ${show(r404)}`,
        );
        ctx.check(
          w.provider.requests.length === 0,
          "rejected requests charge nothing",
          () => `the provider was called ${w.provider.requests.length} time(s) by rejected requests`,
        );
        ctx.check(
          (await w.serverCharges()).length === 0,
          "rejected requests store nothing",
          "rejected requests left rows in the charges table",
        );
        // Nothing was stored: each key used by a rejected request is still free.
        const acked: Array<{ body: string; what: string }> = [];
        const expected = new Map<string, number>();
        for (let i = 0; i < used.length; i++) {
          const pi = payment(ctx, "bad", 10 + i);
          const r = await w.post("alice", used[i], pi);
          ctx.check(
            r.status === 201,
            "rejected requests store nothing",
            () => `a good request reusing the key of a rejected one must be processed as new (201), got ${show(r)}`,
          );
          expectCharge(ctx, r, pi, `a good request with the key of rejected request ${i + 1}`);
          acked.push({ body: r.body, what: `payment ${pi.description}` });
          expected.set(pi.description, 1);
        }
        // Edge values the contract accepts: each is a new payment (201).
        const bare = k(30);
        const edges: Array<{
          key: string;
          token: string | undefined;
          body: Record<string, unknown>;
          headers?: Record<string, string>;
          what: string;
        }> = [
          {
            key: "k".repeat(8),
            token: "alice",
            body: { ...payment(ctx, "bad", 20), amount: 1 },
            what: "an amount of 1 with an Idempotency-Key of 8 characters",
          },
          {
            key: `${k(21)}-${"k".repeat(255)}`.slice(0, 255),
            token: "alice",
            body: { ...payment(ctx, "bad", 21), amount: 1_000_000 },
            what: "an amount of 1000000 with an Idempotency-Key of 255 characters",
          },
          {
            key: `Az09._:-${k(22)}`,
            token: "a.B_9-t",
            body: { ...payment(ctx, "bad", 22), source: "s".repeat(64) },
            what: 'a key using every allowed character, token "a.B_9-t" and a source of 64 characters',
          },
          {
            key: k(23),
            token: "t".repeat(64),
            body: { ...payment(ctx, "bad", 23) },
            headers: { "content-type": "application/json; charset=utf-8" },
            what: 'a token of 64 characters and Content-Type "application/json; charset=utf-8"',
          },
          {
            key: k(24),
            token: "alice",
            body: { ...payment(ctx, "bad", 24) },
            headers: { "content-type": "Application/JSON" },
            what: 'Content-Type "Application/JSON"',
          },
          {
            key: k(25),
            token: "alice",
            body: { ...payment(ctx, "bad", 25), description: "d".repeat(200) },
            what: "a description of 200 characters",
          },
          {
            key: k(26),
            token: "alice",
            body: { amount: 100 + ctx.rng.int(900), currency: "usd", source: "tok_visa", description: null },
            what: "a description of null",
          },
          {
            key: k(27),
            token: "alice",
            body: { amount: 100 + ctx.rng.int(900), currency: "eur", source: "tok_visa" },
            what: "no description",
          },
          {
            key: k(28),
            token: "alice",
            body: { ...payment(ctx, "bad", 28) },
            headers: { "content-type": "application/json ; charset=utf-8" },
            what: 'Content-Type "application/json ; charset=utf-8" (RFC 9110 allows spaces before the ";")',
          },
          {
            key: k(29),
            token: undefined,
            body: { ...payment(ctx, "bad", 29), source: "s" },
            headers: { authorization: "Bearer  alice" },
            what: 'a source of 1 character and "Authorization: Bearer  alice" (RFC 9110 allows more than one space after the scheme)',
          },
          {
            key: `"${bare}"`,
            token: "alice",
            body: { ...payment(ctx, "bad", 30) },
            what: `a quoted Idempotency-Key ("${bare}", the draft's structured-field string)`,
          },
        ];
        const replies: HttpReply[] = [];
        for (const e of edges) {
          const r = await w.post(e.token, e.key, e.body, e.headers ? { headers: e.headers } : {});
          replies.push(r);
          const b = safeJson(r.body) as Record<string, unknown> | undefined;
          ctx.check(
            r.status === 201 &&
              b?.amount === e.body.amount &&
              b?.source === e.body.source &&
              b?.description === (e.body.description ?? null),
            "valid requests are accepted",
            () =>
              `${e.what} is a valid request: expected 201 with the charge (description ${JSON.stringify(e.body.description ?? null)}), got ${show(r)}`,
          );
          acked.push({ body: r.body, what: e.what });
          const label = typeof e.body.description === "string" ? e.body.description : NO_DESCRIPTION;
          expected.set(label, (expected.get(label) ?? 0) + 1);
        }
        // The quoted key and the bare one are the same key: a retry without the quotes is a replay.
        const quoted = edges.findIndex((e) => e.key === `"${bare}"`);
        const retry = await w.post("alice", bare, edges[quoted]!.body);
        expectReplay(ctx, retry, replies[quoted]!, `a retry of ${edges[quoted]!.what} without the quotes`);
        await w.audit(expected, acked);
      });
    },
  },
  {
    part: "A",
    name: "declined charges are replayed",
    points: 5,
    seeds: 2,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "A definite error from processing (the card was declined) is a final response: store it like a success.",
      'A retry of a declined payment must get the very same 402 body (its "instance" included) without asking the provider again.',
      "Only answers that end the request are stored (201, 402); validation errors and 409/503 are not.",
    ],
    async run(ctx) {
      await withWorld(ctx, {}, async (w) => {
        const p = payment(ctx, "declined", 1, { source: "tok_declined" });
        const k = key(ctx, "declined", 1);
        const r1 = await w.post("alice", k, p);
        expectProblem(ctx, r1, 402, "card-declined", "a charge with source tok_declined");
        const inst = (safeJson(r1.body) as { instance?: unknown }).instance;
        ctx.check(
          typeof inst === "string" && inst.length > 0,
          "error body",
          () => `the 402 problem needs a unique "instance"; got ${show(r1)}`,
        );
        for (let i = 0; i < 2; i++)
          expectReplay(ctx, await w.post("alice", k, p), r1, `retry ${i + 1} of the declined payment`);
        const asked = w.provider.requests.filter((r) => r.description === p.description).length;
        ctx.check(
          asked === 1,
          "stored errors are replayed",
          () =>
            `the provider was asked ${asked} times about the declined payment; a stored decline must be replayed without a new provider call`,
        );
        const p2 = payment(ctx, "declined", 2);
        const r2 = await w.post("alice", key(ctx, "declined", 2), p2);
        expectCharge(ctx, r2, p2, "a good payment after the decline");
        await w.audit(new Map([[p2.description, 1]]), [{ body: r2.body, what: "the good payment" }]);
      });
    },
  },
  {
    part: "A",
    name: "keys expire after the retention period",
    points: 5,
    seeds: 2,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "A key older than config.retentionMs (by deps.now()) counts as new: the request is processed again as a new payment.",
      "Delete (or replace) the expired row inside phase 1's transaction; the unique (client_id, idempotency_key) stays.",
      "The provider key must change with the logical request: derive it from the key row's identity (e.g. client, key and creation time), not from the Idempotency-Key alone, or the provider replays the old charge.",
    ],
    async run(ctx) {
      const retentionMs = 60_000;
      await withWorld(ctx, { config: { retentionMs } }, async (w) => {
        const p1 = payment(ctx, "expiry", 1);
        const p2 = payment(ctx, "expiry", 2);
        const p3 = payment(ctx, "expiry", 3);
        const k1 = key(ctx, "expiry", 1);
        const k2 = key(ctx, "expiry", 2);
        const r1 = await w.post("alice", k1, p1);
        expectCharge(ctx, r1, p1, "payment 1");
        const r2 = await w.post("alice", k2, p2);
        expectCharge(ctx, r2, p2, "payment 2");
        await w.advanceClock(retentionMs / 2);
        expectReplay(ctx, await w.post("alice", k1, p1), r1, "a retry within the retention period");
        await w.advanceClock(retentionMs / 2 + 1_000);
        const again = await w.post("alice", k1, p1);
        ctx.check(
          again.status === 201 && again.body !== r1.body,
          "keys expire",
          () =>
            `the same key and payload after the retention period (${retentionMs} ms) must be a new payment (a new 201), got ${show(again)}`,
        );
        expectFresh(ctx, again, "a request with an expired key");
        const r3 = await w.post("alice", k2, p3);
        ctx.check(
          r3.status === 201,
          "keys expire",
          () => `an expired key reused with another payload must be a new payment (201), not ${show(r3)}`,
        );
        expectCharge(ctx, r3, p3, "an expired key with a new payload");
        expectReplay(ctx, await w.post("alice", k1, p1), again, "a retry of the renewed key");
        await w.audit(
          new Map([
            [p1.description, 2],
            [p2.description, 1],
            [p3.description, 1],
          ]),
          [
            { body: r1.body, what: "payment 1" },
            { body: again.body, what: "payment 1 after expiry" },
            { body: r2.body, what: "payment 2" },
            { body: r3.body, what: "payment 3" },
          ],
        );
      });
    },
  },
];

/** Wait (bounded) until the provider received a request for this payment: it is now in flight. */
export async function untilProviderSaw(
  w: World,
  description: string,
  first: Promise<unknown>,
  withinMs = 30_000,
  times = 1,
  also: () => boolean = () => false,
): Promise<void> {
  let settled = false;
  first.then(
    () => (settled = true),
    () => (settled = true),
  );
  const deadline = Date.now() + withinMs;
  const seen = () => w.provider.requests.filter((r) => r.description === description).length >= times;
  while (!settled && Date.now() < deadline && !seen() && !also()) await sleep(5);
}

export const partB: S[] = [
  {
    part: "B",
    name: "same key with another payload gets 422",
    points: 8,
    seeds: 3,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "Store a fingerprint of the request with the key and compare it on every retry.",
      "Another amount, currency, source or description under the same key is a client bug: 422 idempotency-key-reused, nothing charged, the stored response untouched.",
      "Fingerprint the parsed parameters (e.g. a hash of [method, path, amount, currency, source, description]), not the raw bytes: the same JSON with other key order or spacing is the same request.",
    ],
    async run(ctx) {
      await withWorld(ctx, {}, async (w) => {
        const p = payment(ctx, "mismatch", 1);
        const k = key(ctx, "mismatch", 1);
        const r1 = await w.post("alice", k, p);
        expectCharge(ctx, r1, p, "the first request");
        const others: Array<[unknown, string]> = [
          [{ ...p, amount: p.amount + 1 }, "another amount"],
          [{ ...p, currency: p.currency === "usd" ? "eur" : "usd" }, "another currency"],
          [{ ...p, description: `${p.description}-changed` }, "another description"],
          [{ ...p, source: "tok_mastercard" }, "another source"],
        ];
        for (const [body, what] of others)
          expectProblem(
            ctx,
            await w.post("alice", k, body),
            422,
            "idempotency-key-reused",
            `the same key with ${what}`,
          );
        const reordered = `{ "description": ${JSON.stringify(p.description)},\n  "source": "${p.source}", "currency": "${p.currency}", "amount": ${p.amount} }`;
        expectReplay(ctx, await w.post("alice", k, reordered), r1, "the same payload with other key order and spacing");
        expectReplay(ctx, await w.post("alice", k, p), r1, "a retry after the 422s");
        await w.audit(new Map([[p.description, 1]]), [{ body: r1.body, what: "the payment" }]);
      });
    },
  },
  {
    part: "B",
    name: "keys are scoped per client",
    points: 6,
    seeds: 3,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "Two clients may pick the same Idempotency-Key: look keys up by (client, key), never by key alone.",
      'The client is the token of "Authorization: Bearer <token>"; one client must never receive another\'s stored response.',
    ],
    async run(ctx) {
      await withWorld(ctx, {}, async (w) => {
        const p = payment(ctx, "scoped", 1);
        const k = key(ctx, "scoped", 1);
        const ra = await w.post("alice", k, p);
        const ca = expectCharge(ctx, ra, p, "alice's payment");
        const rb = await w.post("bob", k, p);
        ctx.check(
          rb.status === 201 && rb.headers["idempotent-replayed"] === undefined,
          "keys are per client",
          () =>
            `bob used the same key as alice: his request is a payment of his own (a fresh 201), got ${show(rb)}${rb.headers["idempotent-replayed"] ? " (replayed)" : ""}`,
        );
        const cb = expectCharge(ctx, rb, p, "bob's payment");
        ctx.check(ca.id !== cb.id, "keys are per client", `bob received alice's charge ${ca.id}`);
        const p2 = payment(ctx, "scoped", 2);
        const rc = await w.post("carol", k, p2);
        expectCharge(ctx, rc, p2, "carol's payment with the same key and another payload");
        expectReplay(ctx, await w.post("alice", k, p), ra, "alice's retry");
        expectReplay(ctx, await w.post("bob", k, p), rb, "bob's retry");
        await w.audit(
          new Map([
            [p.description, 2],
            [p2.description, 1],
          ]),
          [
            { body: ra.body, what: "alice's payment" },
            { body: rb.body, what: "bob's payment" },
            { body: rc.body, what: "carol's payment" },
          ],
        );
      });
    },
  },
  {
    part: "B",
    name: "a retry while the first is in flight gets 409",
    points: 6,
    seeds: 3,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "While the first request holds the key (locked less than config.leaseMs ago), a retry must not process it again.",
      "Answer 409 idempotency-key-in-use (with Retry-After) and store nothing; after the first finishes, a retry gets the replay.",
      "Once the lease has expired a retry takes the key over with a new lock token; phase 3 of the first request must then store nothing (UPDATE ... WHERE lock_token = its token matches no row) and answer what the retry stored, or 409.",
    ],
    async run(ctx) {
      await withWorld(ctx, { provider: { latencyMs: [5, 20] }, providerTimeoutMs: 60_000 }, async (w) => {
        const p = payment(ctx, "inflight", 1);
        const k = key(ctx, "inflight", 1);
        // The provider holds the first request's answer until the retry is answered (or is itself
        // sent to the provider): the first is surely in flight, however slow the machine.
        const release = w.provider.hold(p.description);
        const first = w.post("alice", k, p, { timeoutMs: 90_000 });
        first.catch(() => {});
        await untilProviderSaw(w, p.description, first);
        const retry = w.tryPost("alice", k, p, 60_000);
        await untilProviderSaw(w, p.description, retry, 60_000, 2);
        release();
        const second = await retry;
        const r1 = await first;
        if (second === undefined)
          return ctx.fail(
            "error codes",
            "a retry while the first request is still being processed got no answer within 60 s (expected 409 idempotency-key-in-use)",
          );
        expectProblem(
          ctx,
          second,
          409,
          "idempotency-key-in-use",
          "a retry while the first request is still being processed",
        );
        expectRetryAfter(
          ctx,
          second,
          "a 409 says when to retry",
          "a retry while the first request is still being processed",
        );
        expectCharge(ctx, r1, p, "the first request");
        expectReplay(ctx, await w.post("alice", k, p), r1, "a retry after the first finished");
        // The lease of a request still waiting for the provider runs out (the clock moves past
        // config.leaseMs, 10 s): a retry takes the key over. The first request's late result must
        // not be stored over the retry's (its lock is gone): it answers the retry's charge or 409.
        // A request waits for the provider (its answer held) until its lease runs out and a retry
        // takes the key over; the retry waits for the provider too.
        const takenOver = async (n: number) => {
          const pay = payment(ctx, "inflight", n);
          const kk = key(ctx, "inflight", n);
          const release = w.provider.hold(pay.description);
          const stale = w.post("alice", kk, pay, { timeoutMs: 90_000 });
          stale.catch(() => {});
          await untilProviderSaw(w, pay.description, stale);
          await w.advanceClock(11_000);
          const takeover = w.post("alice", kk, pay, { timeoutMs: 90_000 });
          takeover.catch(() => {});
          await untilProviderSaw(w, pay.description, takeover, 60_000, 2);
          return { pay, kk, release, stale, takeover };
        };
        // A lost lock's answer: the retry's charge, or a 409 as any other (type, Retry-After).
        const lostLockAnswer = (rs: HttpReply, rt: HttpReply, what: string) => {
          ctx.check(
            rs.status === 409 || (rs.status === 201 && rs.body === rt.body),
            "a lost lock stores nothing",
            () =>
              `${what}: it must answer the retry's charge (${show(rt)}) or 409, not a result of its own: got ${show(rs)}`,
          );
          if (rs.status !== 409) return;
          expectProblem(ctx, rs, 409, "idempotency-key-in-use", what);
          expectRetryAfter(ctx, rs, "a 409 says when to retry", what);
        };
        // Both provider answers go at once: the first request's late result must not be stored
        // over the retry's (its lock is gone).
        const q = await takenOver(2);
        q.release();
        const rt = await q.takeover;
        const rs = await q.stale;
        expectCharge(ctx, rt, q.pay, "a retry that took over a key whose lease had expired");
        lostLockAnswer(
          rs,
          rt,
          `the first request of ${q.pay.description} lost its lock to a retry (its lease expired while it waited for the provider)`,
        );
        expectReplay(
          ctx,
          await w.post("alice", q.kk, q.pay),
          rt,
          `a retry of ${q.pay.description} after both finished`,
        );
        // The first request hears from the provider (new releaseFirst) while the retry still
        // waits: nothing is finished to replay, so it must answer 409 (or wait for the retry).
        const u = await takenOver(3);
        w.provider.releaseFirst(u.pay.description);
        const early = await Promise.race([u.stale, sleep(15_000).then(() => undefined)]);
        u.release();
        const rtU = await u.takeover;
        const rsU = early ?? (await u.stale);
        expectCharge(ctx, rtU, u.pay, "a retry that took over a key whose lease had expired");
        lostLockAnswer(
          rsU,
          rtU,
          `the first request of ${u.pay.description}, which heard from the provider after a retry took its key over and before that retry finished`,
        );
        await w.audit(
          new Map([
            [p.description, 1],
            [q.pay.description, 1],
            [u.pay.description, 1],
          ]),
          [
            { body: r1.body, what: "the payment" },
            { body: rt.body, what: `${q.pay.description} (taken over)` },
            { body: rtU.body, what: `${u.pay.description} (taken over)` },
          ],
        );
      });
    },
  },
];

export const partC: S[] = [
  {
    part: "C",
    name: "parallel duplicates charge once",
    points: 15,
    seeds: 3,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "Twelve copies of one request arrive at the same moment: exactly one may process it, the others get 409 (or, once it is done, the replay).",
      'Looking the key up and then inserting it later is a race: two requests both see "no key" and both charge. Let the database decide: insert the key row first (unique (client_id, idempotency_key)) inside a transaction, and process only if your insert won.',
      "INSERT ... ON CONFLICT DO NOTHING RETURNING *: no row back means another request owns the key -> 409.",
    ],
    async run(ctx) {
      await withWorld(ctx, { provider: { latencyMs: [30, 90] } }, async (w) => {
        const payments = Array.from({ length: 4 }, (_, i) => ({
          p: payment(ctx, "parallel", i),
          k: key(ctx, "parallel", i),
          token: ctx.rng.pick(["alice", "bob"]),
        }));
        const copies = 12;
        const replies = await Promise.all(
          payments.flatMap(({ p, k, token }) =>
            Array.from({ length: copies }, () => w.post(token, k, p, { timeoutMs: 10_000 })),
          ),
        );
        const acked: Array<{ body: string; what: string }> = [];
        const expected = new Map<string, number>();
        for (let i = 0; i < payments.length; i++) {
          const { p, k, token } = payments[i]!;
          const rs = replies.slice(i * copies, (i + 1) * copies);
          for (const r of rs)
            ctx.check(
              r.status === 201 || r.status === 409,
              "duplicates get the answer or 409",
              () => `a duplicate of ${p.description} got ${show(r)}; expected 201 or 409`,
            );
          const ok = rs.filter((r) => r.status === 201);
          const bodies = new Set(ok.map((r) => r.body));
          ctx.check(
            bodies.size <= 1,
            "one answer per key",
            () =>
              `${ok.length} duplicates of ${p.description} got 201 with ${bodies.size} different charges: ${[...bodies].map((b) => (safeJson(b) as { id?: string })?.id).join(", ")}`,
          );
          let final: HttpReply | undefined = ok[0];
          for (let t = 0; t < 40 && final?.status !== 201; t++) {
            const r = await w.post(token, k, p);
            if (r.status !== 409) final = r;
            else await sleep(50);
          }
          ctx.check(
            final?.status === 201,
            "a new payment is charged",
            () => `${p.description} never completed: ${show(final)}`,
          );
          if (ok[0]) expectReplay(ctx, await w.post(token, k, p), ok[0], `a retry of ${p.description} after the storm`);
          acked.push({ body: final!.body, what: p.description });
          expected.set(p.description, 1);
        }
        ctx.metric("409 answers", replies.filter((r) => r.status === 409).length);
        await w.audit(expected, acked);
      });
    },
  },
];
