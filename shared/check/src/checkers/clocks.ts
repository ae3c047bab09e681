/**
 * Logical clocks against ground truth. The simulator records each process event's true vector
 * clock; a learner's clock (Lamport or vector) must satisfy the clock condition: if a happened
 * before b, then C(a) < C(b). A learner's explicit claims about pairs of events ("before",
 * "after", "concurrent", "equal") are checked against the true relation.
 */
import { compareVectors, type Causality } from "@faultline/sim";

export interface CausalEvent {
  /** Identifies the event in reports (e.g. the trace index). */
  readonly id: number | string;
  /** Ground-truth vector clock (from the simulator). */
  readonly vc: readonly number[];
}

export interface ClockViolation {
  readonly before: CausalEvent["id"];
  readonly after: CausalEvent["id"];
  readonly message: string;
}

export interface ClockConditionResult {
  readonly ok: boolean;
  /** Happened-before pairs checked. */
  readonly pairs: number;
  /** Events the learner gave no timestamp for. */
  readonly missing: readonly CausalEvent["id"][];
  readonly violations: readonly ClockViolation[];
  /** Violations found in total (only the first maxReported are listed). */
  readonly violationCount: number;
  readonly message: string;
}

export interface ClockConditionOptions<T> {
  /** Strict order of learner timestamps; default: numbers by <, arrays as vector clocks. */
  readonly less?: (a: T, b: T) => boolean;
  readonly maxReported?: number;
}

/** Events compared pairwise at most (the check is quadratic). */
export const MAX_CLOCK_EVENTS = 20_000;

function defaultLess(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a < b;
  if (Array.isArray(a) && Array.isArray(b)) return compareVectors(a as number[], b as number[]) === "before";
  throw new Error(`no default order for timestamps ${JSON.stringify(a)} and ${JSON.stringify(b)}: pass options.less`);
}

function showTimestamp(t: unknown): string {
  return Array.isArray(t) ? `[${t.join(",")}]` : String(t);
}

/** Checks the clock condition for every happened-before pair of `events`. */
export function checkClockCondition<T>(
  events: readonly CausalEvent[],
  timestampOf: (event: CausalEvent) => T | undefined,
  options: ClockConditionOptions<T> = {},
): ClockConditionResult {
  if (events.length > MAX_CLOCK_EVENTS)
    throw new Error(`checkClockCondition: ${events.length} events exceed the limit of ${MAX_CLOCK_EVENTS}`);
  const less = options.less ?? (defaultLess as (a: T, b: T) => boolean);
  const maxReported = options.maxReported ?? 20;
  const stamped: { e: CausalEvent; t: T }[] = [];
  const missing: CausalEvent["id"][] = [];
  for (const e of events) {
    const t = timestampOf(e);
    if (t === undefined) missing.push(e.id);
    else stamped.push({ e, t });
  }
  const violations: ClockViolation[] = [];
  let violationCount = 0;
  let pairs = 0;
  for (const x of stamped) {
    for (const y of stamped) {
      if (x === y || compareVectors(x.e.vc, y.e.vc) !== "before") continue;
      pairs++;
      if (less(x.t, y.t)) continue;
      violationCount++;
      if (violations.length < maxReported) {
        violations.push({
          before: x.e.id,
          after: y.e.id,
          message: `event ${x.e.id} happened before event ${y.e.id}, but their timestamps are ${showTimestamp(x.t)} and ${showTimestamp(y.t)}`,
        });
      }
    }
  }
  const ok = violationCount === 0 && missing.length === 0;
  const lines: string[] = [];
  if (ok) lines.push(`clock condition holds for all ${pairs} happened-before pairs of ${events.length} events`);
  else {
    if (violationCount > 0)
      lines.push(`clock condition violated for ${violationCount} of ${pairs} happened-before pairs:`);
    for (const v of violations) lines.push(`  ${v.message}`);
    if (missing.length > 0)
      lines.push(
        `no timestamp for ${missing.length} events: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}`,
      );
  }
  return { ok, pairs, missing, violations, violationCount, message: lines.join("\n") };
}

export interface CausalityClaim {
  readonly a: CausalEvent["id"];
  readonly b: CausalEvent["id"];
  /** The learner's claim about a relative to b. */
  readonly claim: Causality;
}

export interface ClaimMismatch {
  readonly claim: CausalityClaim;
  readonly actual: Causality;
  readonly message: string;
}

export interface ClaimsResult {
  readonly ok: boolean;
  readonly checked: number;
  readonly mismatches: readonly ClaimMismatch[];
  readonly message: string;
}

/** Compares a learner's before/after/concurrent/equal claims with the true relation. */
export function checkCausalityClaims(events: readonly CausalEvent[], claims: readonly CausalityClaim[]): ClaimsResult {
  const byId = new Map<CausalEvent["id"], CausalEvent>();
  for (const e of events) byId.set(e.id, e);
  const mismatches: ClaimMismatch[] = [];
  for (const c of claims) {
    const a = byId.get(c.a);
    const b = byId.get(c.b);
    if (a === undefined || b === undefined) throw new Error(`claim about unknown event ${a === undefined ? c.a : c.b}`);
    const actual = compareVectors(a.vc, b.vc);
    if (actual !== c.claim)
      mismatches.push({
        claim: c,
        actual,
        message: `events ${c.a} and ${c.b}: claimed ${c.claim}, actually ${actual}`,
      });
  }
  const ok = mismatches.length === 0;
  const message = ok
    ? `all ${claims.length} causality claims match the ground truth`
    : [
        `${mismatches.length} of ${claims.length} causality claims are wrong:`,
        ...mismatches.slice(0, 20).map((m) => `  ${m.message}`),
      ].join("\n");
  return { ok, checked: claims.length, mismatches, message };
}
