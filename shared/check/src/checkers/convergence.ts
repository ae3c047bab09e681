/**
 * Convergence: after the network heals and the system quiesces, every replica reports the same
 * state (strong eventual consistency). When they differ, the report groups replicas by state
 * and spells out the differences path by path against the largest group.
 */
import { canonical, show } from "./canonical.ts";

export interface StateDifference {
  /** Where the states differ, e.g. `counts.n2` or `[3]` or `<root>`. */
  readonly path: string;
  readonly expected: string;
  readonly actual: string;
}

export interface ConvergenceResult {
  readonly converged: boolean;
  /** Replicas grouped by equal state, largest group first (ties: first replica name). */
  readonly groups: readonly { readonly replicas: readonly string[]; readonly state: unknown }[];
  /** For each replica outside the first group: how its state differs from the first group's. */
  readonly differences: ReadonlyMap<string, readonly StateDifference[]>;
  /** A readable report, e.g. for a grader's failure message. */
  readonly message: string;
}

export interface ConvergenceOptions {
  /** Differences listed per replica at most (default 10). */
  readonly maxDifferences?: number;
}

type Entries = [string, unknown][];

function entriesOf(v: unknown): Entries | null {
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [typeof k === "string" ? k : canonical(k), x]);
  if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Set)) return Object.entries(v);
  return null;
}

/** Paths where `actual` differs from `expected`, at most `limit` of them. */
export function diffValues(expected: unknown, actual: unknown, limit = 10): StateDifference[] {
  const out: StateDifference[] = [];
  const walk = (e: unknown, a: unknown, path: string, depth: number): void => {
    if (out.length >= limit) return;
    if (canonical(e) === canonical(a)) return;
    if (depth < 32 && Array.isArray(e) && Array.isArray(a)) {
      const n = Math.max(e.length, a.length);
      for (let i = 0; i < n; i++) {
        if (i >= e.length) out.push({ path: `${path}[${i}]`, expected: "(absent)", actual: show(a[i]) });
        else if (i >= a.length) out.push({ path: `${path}[${i}]`, expected: show(e[i]), actual: "(absent)" });
        else walk(e[i], a[i], `${path}[${i}]`, depth + 1);
        if (out.length >= limit) return;
      }
      return;
    }
    if (depth < 32 && e instanceof Set && a instanceof Set) {
      const missing = [...e].filter((x) => ![...a].some((y) => canonical(x) === canonical(y)));
      const extra = [...a].filter((x) => ![...e].some((y) => canonical(x) === canonical(y)));
      out.push({ path: path || "<root>", expected: `also ${show(missing)}`, actual: `also ${show(extra)}` });
      return;
    }
    const ee = entriesOf(e);
    const ae = entriesOf(a);
    if (depth < 32 && ee !== null && ae !== null && e instanceof Map === a instanceof Map) {
      const em = new Map(ee);
      const am = new Map(ae);
      const keys = [...new Set([...em.keys(), ...am.keys()])].sort();
      for (const k of keys) {
        const p = path === "" ? k : `${path}.${k}`;
        if (!em.has(k)) out.push({ path: p, expected: "(absent)", actual: show(am.get(k)) });
        else if (!am.has(k)) out.push({ path: p, expected: show(em.get(k)), actual: "(absent)" });
        else walk(em.get(k), am.get(k), p, depth + 1);
        if (out.length >= limit) return;
      }
      return;
    }
    out.push({ path: path || "<root>", expected: show(e), actual: show(a) });
  };
  walk(expected, actual, "", 0);
  return out;
}

/** Checks that all replicas report the same state. `states` maps replica name to its state. */
export function checkConvergence(
  states: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>,
  options: ConvergenceOptions = {},
): ConvergenceResult {
  const limit = options.maxDifferences ?? 10;
  const entries: [string, unknown][] = states instanceof Map ? [...states.entries()] : Object.entries(states);
  if (entries.length === 0) throw new Error("checkConvergence: no replicas given");
  const byState = new Map<string, { replicas: string[]; state: unknown }>();
  for (const [name, state] of entries) {
    const key = canonical(state);
    const g = byState.get(key);
    if (g === undefined) byState.set(key, { replicas: [name], state });
    else g.replicas.push(name);
  }
  const groups = [...byState.values()].sort(
    (a, b) => b.replicas.length - a.replicas.length || ((a.replicas[0] as string) < (b.replicas[0] as string) ? -1 : 1),
  );
  const differences = new Map<string, StateDifference[]>();
  const reference = groups[0] as { replicas: string[]; state: unknown };
  for (const g of groups.slice(1))
    for (const r of g.replicas) differences.set(r, diffValues(reference.state, g.state, limit));
  if (groups.length === 1) {
    return {
      converged: true,
      groups,
      differences,
      message: `all ${entries.length} replicas converged on ${show(reference.state, 120)}`,
    };
  }
  const lines = [`replicas did not converge: ${groups.length} different states among ${entries.length} replicas`];
  lines.push(`  ${reference.replicas.join(", ")}: ${show(reference.state, 160)}`);
  for (const g of groups.slice(1)) {
    lines.push(`  ${g.replicas.join(", ")}: ${show(g.state, 160)}`);
    const d = differences.get(g.replicas[0] as string) ?? [];
    for (const x of d)
      lines.push(
        `    ${x.path}: ${x.actual} (${reference.replicas.join(", ")} ${reference.replicas.length === 1 ? "has" : "have"} ${x.expected})`,
      );
  }
  return { converged: false, groups, differences, message: lines.join("\n") };
}
