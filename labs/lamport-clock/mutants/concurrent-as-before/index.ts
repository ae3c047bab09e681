import { vcCompare as referenceCompare, type Ordering, type VectorClock } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/**
 * The classic slip: `if (smaller) return "before"` is tested before `smaller && larger`, so a
 * pair with one entry smaller and another larger comes out as "before" instead of "concurrent".
 */
export function vcCompare(a: VectorClock, b: VectorClock): Ordering {
  const order = referenceCompare(a, b);
  return order === "concurrent" ? "before" : order;
}
