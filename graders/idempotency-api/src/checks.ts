/** Small helpers shared by the scenarios: payments, keys, reply checks. */
import { PROBLEM_TYPE_PREFIX, type HttpReply } from "@faultline/lab-idempotency-api/framework";
import { safeJson, type Ctx, type Payment } from "./world.ts";

export function payment(ctx: Ctx, tag: string, n: number, over: Partial<Payment> = {}): Payment {
  return {
    amount: 100 + ctx.rng.int(9_000),
    currency: ctx.rng.pick(["usd", "eur", "gbp"]),
    source: "tok_visa",
    description: `${tag}-s${ctx.seed}-p${n}`,
    ...over,
  };
}

export function key(ctx: Ctx, tag: string, n: number): string {
  return `${tag}-${ctx.seed}-${n}-${ctx.rng.nextU32().toString(16).padStart(8, "0")}`;
}

export function show(r: HttpReply | undefined): string {
  if (!r) return "no response";
  const body = r.body.length > 300 ? `${r.body.slice(0, 300)}...` : r.body;
  return `${r.status} ${body}`;
}

/** The reply is a problem-details error with this status and type slug. */
export function expectProblem(ctx: Ctx, r: HttpReply, status: number, slug: string, what: string): void {
  ctx.check(r.status === status, "error codes", () => `${what}: expected ${status} ${slug}, got ${show(r)}`);
  ctx.check(
    (r.headers["content-type"] ?? "").startsWith("application/problem+json"),
    "errors are problem details",
    () => `${what}: expected Content-Type application/problem+json, got "${r.headers["content-type"] ?? ""}"`,
  );
  const p = safeJson(r.body) as { type?: string; status?: number } | undefined;
  ctx.check(
    p?.type === `${PROBLEM_TYPE_PREFIX}${slug}` && p.status === status,
    "errors are problem details",
    () => `${what}: expected {"type":"${PROBLEM_TYPE_PREFIX}${slug}","status":${status},...}, got ${show(r)}`,
  );
}

/** The reply says when to retry: a Retry-After header of delay-seconds (RFC 9110, 10.2.3). */
export function expectRetryAfter(ctx: Ctx, r: HttpReply, invariant: string, what: string): void {
  const v = r.headers["retry-after"];
  ctx.check(
    /^\d+$/.test(v ?? ""),
    invariant,
    () =>
      `${what}: the ${r.status} must carry Retry-After with a number of seconds (the README: Retry-After: 1), got ${v === undefined ? "none" : `"${v}"`}`,
  );
}

/** A first answer: 201 with the charge, not marked as a replay. */
export function expectCharge(ctx: Ctx, r: HttpReply | undefined, p: Payment, what: string): { id: string } {
  ctx.check(
    r?.status === 201,
    "a new payment is charged",
    () => `${what}: expected 201 with the charge, got ${show(r)}`,
  );
  ctx.check(
    (r!.headers["content-type"] ?? "").startsWith("application/json"),
    "charge body",
    () => `${what}: a charge is sent as Content-Type application/json, got "${r!.headers["content-type"] ?? ""}"`,
  );
  const b = safeJson(r!.body) as Record<string, unknown> | undefined;
  ctx.check(
    typeof b?.id === "string" &&
      b.id.startsWith("ch_") &&
      b.object === "charge" &&
      b.amount === p.amount &&
      b.currency === p.currency &&
      b.source === p.source &&
      b.description === p.description &&
      b.status === "succeeded" &&
      typeof b.provider_charge_id === "string" &&
      typeof b.created === "number",
    "charge body",
    () =>
      `${what}: the body must be the charge {"id":"ch_...","object":"charge","amount":${p.amount},"currency":"${p.currency}","source":"${p.source}","description":"${p.description}","status":"succeeded","provider_charge_id":"...","created":<ms>}; got ${show(r)}`,
  );
  return { id: b!.id as string };
}

/**
 * A replay: same status, the very same bytes with the same content type, marked
 * "idempotent-replayed: true" (every observable part of the first answer comes back).
 */
export function expectReplay(ctx: Ctx, r: HttpReply | undefined, first: HttpReply, what: string): void {
  ctx.check(
    r !== undefined && r.status === first.status && r.body === first.body,
    "replay is byte for byte",
    () => `${what}: expected the first response again (${show(first)}), got ${show(r)}`,
  );
  ctx.check(
    r!.headers["content-type"] === first.headers["content-type"],
    "replay is byte for byte",
    () =>
      `${what}: the first response had Content-Type "${first.headers["content-type"] ?? ""}", the replay "${r!.headers["content-type"] ?? ""}": store the content type with the body`,
  );
  ctx.check(
    r!.headers["idempotent-replayed"] === "true",
    "replays are marked",
    () =>
      `${what}: a replayed response carries the header "idempotent-replayed: true"; headers were ${JSON.stringify(r!.headers)}`,
  );
}

export function expectFresh(ctx: Ctx, r: HttpReply, what: string): void {
  ctx.check(
    r.headers["idempotent-replayed"] === undefined,
    "replays are marked",
    () => `${what}: a first response must not carry "idempotent-replayed"`,
  );
}
