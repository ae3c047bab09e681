import type { Ordering, VectorClock } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export function vcCompare(a: VectorClock, b: VectorClock): Ordering {
  let smaller = false;
  let larger = false;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    if (x < y) smaller = true;
    else if (x > y) larger = true;
  }
  if (smaller) return "before";
  if (larger) return "after";
  return "equal";
}
