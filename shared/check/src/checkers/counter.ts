/**
 * Counter acceptable set (Maelstrom's rule for g-counter and pn-counter): once writes stop and
 * the system quiesces, every final read must equal the sum of the acknowledged adds plus the
 * sum of some subset of the adds whose outcome is unknown (timed out). Failed adds count for
 * nothing. Deltas may be negative (PN counters), so the set is a union of integer intervals,
 * built exactly by shifting it by each unknown delta and merging.
 */

export type AddOutcome = "ok" | "unknown" | "fail";

export interface CounterAdd {
  readonly delta: number;
  readonly outcome: AddOutcome;
}

export interface CounterRead {
  /** Who read (a node or client name), for the report. */
  readonly by?: string;
  readonly value: number;
}

/** Closed integer interval [lo, hi]. */
export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

export interface CounterResult {
  readonly ok: boolean;
  /** The acceptable values as disjoint sorted intervals. */
  readonly acceptable: readonly Interval[];
  /** True if the interval limit forced the set to be widened to [min, max] (may accept too much). */
  readonly approximate: boolean;
  readonly badReads: readonly CounterRead[];
  readonly message: string;
}

/** Intervals kept at most before the set is widened to its hull. */
export const MAX_INTERVALS = 10_000;

function merge(intervals: Interval[]): Interval[] {
  intervals.sort((a, b) => a.lo - b.lo);
  const out: Interval[] = [];
  for (const iv of intervals) {
    const last = out[out.length - 1];
    if (last !== undefined && iv.lo <= last.hi + 1) out[out.length - 1] = { lo: last.lo, hi: Math.max(last.hi, iv.hi) };
    else out.push(iv);
  }
  return out;
}

function showSet(set: readonly Interval[]): string {
  const parts = set.slice(0, 8).map((iv) => (iv.lo === iv.hi ? String(iv.lo) : `${iv.lo}..${iv.hi}`));
  return `{${parts.join(", ")}${set.length > 8 ? `, … (${set.length} intervals)` : ""}}`;
}

export function counterAcceptableSet(
  adds: readonly CounterAdd[],
  initial = 0,
): { set: Interval[]; approximate: boolean } {
  let base = initial;
  const unknown: number[] = [];
  for (const a of adds) {
    if (!Number.isSafeInteger(a.delta)) throw new Error(`counter add delta must be a safe integer, got ${a.delta}`);
    if (a.outcome === "ok") base += a.delta;
    else if (a.outcome === "unknown" && a.delta !== 0) unknown.push(a.delta);
  }
  let set: Interval[] = [{ lo: base, hi: base }];
  let approximate = false;
  for (const d of unknown) {
    set = merge([...set, ...set.map((iv) => ({ lo: iv.lo + d, hi: iv.hi + d }))]);
    if (set.length > MAX_INTERVALS) {
      set = [{ lo: (set[0] as Interval).lo, hi: (set[set.length - 1] as Interval).hi }];
      approximate = true;
    }
  }
  return { set, approximate };
}

export function checkCounter(
  adds: readonly CounterAdd[],
  finalReads: readonly CounterRead[],
  initial = 0,
): CounterResult {
  if (finalReads.length === 0) throw new Error("checkCounter: no final reads given");
  const { set, approximate } = counterAcceptableSet(adds, initial);
  const accepts = (v: number): boolean => set.some((iv) => v >= iv.lo && v <= iv.hi);
  const badReads = finalReads.filter((r) => !Number.isInteger(r.value) || !accepts(r.value));
  const acked = adds.filter((a) => a.outcome === "ok").length;
  const unknown = adds.filter((a) => a.outcome === "unknown").length;
  const context = `${acked} acknowledged and ${unknown} unknown adds allow ${showSet(set)}${approximate ? " (widened: too many distinct sums)" : ""}`;
  if (badReads.length === 0)
    return {
      ok: true,
      acceptable: set,
      approximate,
      badReads,
      message: `all ${finalReads.length} final reads acceptable: ${context}`,
    };
  const list = badReads.map((r) => `${r.by ?? "a read"} = ${r.value}`).join(", ");
  return {
    ok: false,
    acceptable: set,
    approximate,
    badReads,
    message: `final reads outside the acceptable set: ${list}; ${context}`,
  };
}
