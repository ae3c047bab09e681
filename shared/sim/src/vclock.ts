/**
 * Ground-truth causality. The simulator gives every process event (start, send, deliver, timer,
 * log, client step) the vector clock it really has, so graders can check any clock a learner
 * builds against the true happened-before relation (Lamport 1978; Fidge 1988; Mattern 1989).
 */
import type { TraceEvent } from "./trace.ts";

export type Causality = "before" | "after" | "equal" | "concurrent";

/** Compare two vector clocks of the same length. */
export function compareVectors(a: readonly number[], b: readonly number[]): Causality {
  let less = false;
  let greater = false;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x < y) less = true;
    else if (x > y) greater = true;
  }
  if (less && greater) return "concurrent";
  if (less) return "before";
  if (greater) return "after";
  return "equal";
}

/** True when event `a` happened before event `b` (both need ground-truth clocks). */
export function happenedBefore(a: TraceEvent, b: TraceEvent): boolean {
  if (!a.vc || !b.vc)
    throw new Error(`happenedBefore needs process events with vector clocks (got ${a.kind} and ${b.kind})`);
  return compareVectors(a.vc, b.vc) === "before";
}

/** The true relation between two process events. */
export function causality(a: TraceEvent, b: TraceEvent): Causality {
  if (!a.vc || !b.vc)
    throw new Error(`causality needs process events with vector clocks (got ${a.kind} and ${b.kind})`);
  return compareVectors(a.vc, b.vc);
}
