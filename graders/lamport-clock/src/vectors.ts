/** The grader's own view of vector clocks as learners write them (records, missing = 0). */
import type { NodeId } from "@faultline/sim";

export type Vc = Readonly<Record<NodeId, number>>;

/** A well-formed clock: a plain object of non-negative integers. */
export function isVc(v: unknown): v is Vc {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0);
}

export function entry(v: Vc, k: NodeId): number {
  return Object.hasOwn(v, k) ? (v[k] as number) : 0;
}

function keys(a: Vc, b: Vc): Set<NodeId> {
  return new Set([...Object.keys(a), ...Object.keys(b)]);
}

export function vcEqual(a: Vc, b: Vc): boolean {
  for (const k of keys(a, b)) if (entry(a, k) !== entry(b, k)) return false;
  return true;
}

export function vcMax(a: Vc, b: Vc): Vc {
  const out: Record<NodeId, number> = {};
  for (const k of keys(a, b)) out[k] = Math.max(entry(a, k), entry(b, k));
  return out;
}

export function vcOrder(a: Vc, b: Vc): "before" | "after" | "equal" | "concurrent" {
  let less = false;
  let more = false;
  for (const k of keys(a, b)) {
    const x = entry(a, k);
    const y = entry(b, k);
    if (x < y) less = true;
    else if (x > y) more = true;
  }
  return less && more ? "concurrent" : less ? "before" : more ? "after" : "equal";
}

/** Compact JSON without zero entries, in key order: {"n1":2,"n3":1}. */
export function showVc(v: unknown): string {
  if (!isVc(v)) return JSON.stringify(v) ?? String(v);
  const out: Record<string, number> = {};
  for (const k of Object.keys(v).sort()) if ((v[k] as number) !== 0) out[k] = v[k] as number;
  return JSON.stringify(out);
}
