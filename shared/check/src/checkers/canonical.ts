/**
 * Canonical text of a value for equality and grouping: object keys sorted, Maps as sorted
 * entries, Sets as sorted elements, so two replicas holding the same data compare equal
 * whatever their insertion order.
 */
export function canonical(value: unknown): string {
  return JSON.stringify(normalize(value, 0));
}

const MAX_DEPTH = 64;

function normalize(v: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new Error(`value nested deeper than ${MAX_DEPTH} levels`);
  if (v === undefined) return { $undefined: true };
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (typeof v === "number" && !Number.isFinite(v)) return { $number: String(v) };
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => normalize(x, depth + 1));
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, x]) => [canonical(k), normalize(x, depth + 1)] as const);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { $map: entries };
  }
  if (v instanceof Set) return { $set: [...v].map((x) => canonical(x)).sort() };
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = normalize((v as Record<string, unknown>)[k], depth + 1);
  return out;
}

/** Short display text of a value (JSON-like, Maps and Sets spelled out), cut at `max` chars. */
export function show(value: unknown, max = 200): string {
  let text: string;
  if (value instanceof Map)
    text = `Map{${[...value.entries()].map(([k, v]) => `${show(k, max)} => ${show(v, max)}`).join(", ")}}`;
  else if (value instanceof Set) text = `Set{${[...value].map((v) => show(v, max)).join(", ")}}`;
  else if (value === undefined) text = "undefined";
  else if (typeof value === "bigint") text = `${value}n`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
