/**
 * The linearizability check: split the history with the model's partition (P-compositionality),
 * search each part, and combine. One illegal part makes the history not linearizable; a part
 * that ran out of budget makes it unknown, which callers must treat as a failure, never a pass.
 */
import { OPEN, validateHistory, type Operation } from "./history.ts";
import { describeValue, type Model } from "./model.ts";
import { LinearizationSearch, type SearchResult, type Verdict } from "./search.ts";

export type { Verdict } from "./search.ts";

export interface CheckOptions {
  /** Use the model's partition when it has one (default true). */
  readonly partition?: boolean;
  /** Search steps allowed per partition (default DEFAULT_MAX_STEPS). Deterministic, unlike a timeout. */
  readonly maxSteps?: number;
  /** State-cache entries allowed per partition (default DEFAULT_MAX_CACHE_ENTRIES, fewer for huge partitions: DEFAULT_MAX_CACHE_BYTES). */
  readonly maxCacheEntries?: number;
  /** Distinct model states allowed per partition (default DEFAULT_MAX_STATES). */
  readonly maxStates?: number;
  /**
   * How a return and a call at the same time relate: "concurrent" (default, as in Porcupine:
   * never a false alarm) or "return-first" (the operation that returned precedes the one
   * called, for clocks where one instant still orders events, e.g. a client's next call at the
   * instant of its previous reply).
   */
  readonly equalTimes?: "concurrent" | "return-first";
  /** Use the model's readOnly hint to prune the search (default true). */
  readonly readOnlyHint?: boolean;
  /** Record the longest partial linearization of every operation (default true). */
  readonly explain?: boolean;
}

/** Default per-partition step budget; the slowest Porcupine test history needs 1.4 million. */
export const DEFAULT_MAX_STEPS = 50_000_000;
/** Default per-partition state-cache size (entries are about 20 bytes for 100 operations)... */
export const DEFAULT_MAX_CACHE_ENTRIES = 10_000_000;
/** ...and at most this much memory: a partition of n operations needs n/8 bytes per entry. */
export const DEFAULT_MAX_CACHE_BYTES = 1 << 30;
/** Default per-partition limit on distinct model states (they stay in memory). */
export const DEFAULT_MAX_STATES = 2_000_000;
/** Steps each partition gets per round-robin turn. */
const SLICE_STEPS = 20_000;

export interface PartitionReport {
  /** Indexes into the checked history of the operations in this part, in history order. */
  readonly operations: readonly number[];
  readonly verdict: Verdict;
  readonly reason?: string;
  readonly steps: number;
  readonly cacheEntries: number;
  /** A full linearization (history indexes, in order) when this part is linearizable. */
  readonly linearization: readonly number[] | null;
  /** The longest partial linearization found in this part (history indexes, in order). */
  readonly longest: readonly number[];
  /**
   * When not linearizable: the operation that cannot take effect after `longest` — of those
   * left out, the one that returned first. Null otherwise, and when explain is off.
   */
  readonly firstIllegal: number | null;
}

export interface LinearizabilityResult {
  readonly verdict: Verdict;
  readonly model: string;
  /** Why the verdict is unknown (budget exhausted), or undefined. */
  readonly reason?: string;
  readonly partitions: readonly PartitionReport[];
  /**
   * Per history index, the longest partial linearization containing that operation (history
   * indexes, in order), or null if the search found none (or explain was off).
   */
  readonly longestPerOperation: readonly (readonly number[] | null)[];
  /** firstIllegal of the first part that is not linearizable, or null. */
  readonly firstIllegal: number | null;
  readonly stats: {
    readonly operations: number;
    readonly partitions: number;
    readonly steps: number;
    readonly cacheEntries: number;
  };
}

/** Indexes of the operations of each part, validated to cover the history exactly once. */
function partitionIndexes<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  usePartition: boolean,
): number[][] {
  if (!usePartition || model.partition === undefined) return [ops.map((_, i) => i)];
  const indexOf = new Map<Operation<I, O>, number>();
  ops.forEach((op, i) => {
    indexOf.set(op, i);
  });
  if (indexOf.size !== ops.length)
    throw new Error("history contains the same operation object twice; partitioning needs distinct objects");
  const seen = new Uint8Array(ops.length);
  const parts = model.partition(ops).map((part) =>
    part.map((op) => {
      const i = indexOf.get(op);
      if (i === undefined) throw new Error(`model ${model.name}: partition returned an operation not in the history`);
      if (seen[i] === 1) throw new Error(`model ${model.name}: partition put operation ${i} in two parts`);
      seen[i] = 1;
      return i;
    }),
  );
  const missing = seen.indexOf(0);
  if (missing >= 0) throw new Error(`model ${model.name}: partition left out operation ${missing}`);
  return parts.map((p) => p.sort((a, b) => a - b)).filter((p) => p.length > 0);
}

/** Of the operations of `part` not in `longest`, the one that returned first (ties: called first). */
function firstLeftOut(
  ops: readonly Operation<unknown, unknown>[],
  part: readonly number[],
  longest: readonly number[],
): number | null {
  const inLongest = new Set(longest);
  let found: number | null = null;
  for (const i of part) {
    if (inLongest.has(i)) continue;
    const op = ops[i] as Operation<unknown, unknown>;
    if (found === null) {
      found = i;
      continue;
    }
    const f = ops[found] as Operation<unknown, unknown>;
    if (op.return < f.return || (op.return === f.return && op.call < f.call)) found = i;
  }
  return found;
}

export function checkLinearizability<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): LinearizabilityResult {
  validateHistory(history);
  const explain = options.explain ?? true;
  const parts = partitionIndexes(model, history, options.partition ?? true);
  const reports: PartitionReport[] = [];
  const longestPerOperation: (readonly number[] | null)[] = new Array<readonly number[] | null>(history.length).fill(
    null,
  );
  const step = model.step.bind(model) as (s: S, i: unknown, o: unknown) => S | undefined;
  const equal = model.equal.bind(model);
  const hash = model.hash.bind(model);
  const searches = parts.map((part) => {
    const n = part.length;
    const calls = new Float64Array(n);
    const returns = new Float64Array(n);
    const inputs: unknown[] = new Array<unknown>(n);
    const outputs: unknown[] = new Array<unknown>(n);
    const readOnly = new Uint8Array(n);
    part.forEach((g, local) => {
      const op = history[g] as Operation<I, O>;
      calls[local] = op.call;
      returns[local] = op.return;
      inputs[local] = op.input;
      outputs[local] = op.output;
      if (options.readOnlyHint !== false && model.readOnly?.(op.input, op.output) === true) readOnly[local] = 1;
    });
    return new LinearizationSearch<S>(
      {
        init: model.init(),
        step,
        equal,
        hash,
        inputs,
        outputs,
        calls,
        returns,
        readOnly,
        returnFirst: options.equalTimes === "return-first",
        trackLongest: explain,
      },
      {
        maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
        maxCacheEntries:
          options.maxCacheEntries ??
          Math.min(DEFAULT_MAX_CACHE_ENTRIES, Math.floor(DEFAULT_MAX_CACHE_BYTES / (4 * Math.ceil(n / 32) + 16))),
        maxStates: options.maxStates ?? DEFAULT_MAX_STATES,
      },
    );
  });
  // Round-robin slices: a violation in any part ends the check as soon as it is found,
  // whatever the order of parts, and the outcome never depends on timing.
  const results: (SearchResult | null)[] = searches.map(() => null);
  let running = searches.length;
  let violation = -1;
  while (running > 0 && violation < 0) {
    searches.forEach((search, i) => {
      if (results[i] !== null || violation >= 0) return;
      const r = search.run(SLICE_STEPS);
      if (r === null) return;
      results[i] = r;
      running--;
      if (r.verdict === "not linearizable") violation = i;
    });
  }
  let steps = 0;
  let cacheEntries = 0;
  parts.forEach((part, index) => {
    const r =
      results[index] ??
      (searches[index] as LinearizationSearch<S>).abandon(
        `not searched to the end: partition ${violation} is not linearizable`,
      );
    steps += r.steps;
    cacheEntries += r.cacheEntries;
    const toGlobal = (seq: ArrayLike<number>): number[] => Array.from(seq, (local) => part[local] as number);
    let longest: number[] = [];
    const converted = new Map<Int32Array, number[]>();
    r.longest.forEach((seq, local) => {
      if (seq === null) return;
      let g = converted.get(seq);
      if (g === undefined) {
        g = toGlobal(seq);
        converted.set(seq, g);
      }
      longestPerOperation[part[local] as number] = g;
      if (g.length > longest.length) longest = g;
    });
    const linearization = r.linearization === null ? null : toGlobal(r.linearization);
    if (linearization !== null) longest = linearization;
    reports.push({
      operations: part,
      verdict: r.verdict,
      ...(r.reason === undefined ? {} : { reason: r.reason }),
      steps: r.steps,
      cacheEntries: r.cacheEntries,
      linearization,
      longest,
      firstIllegal: explain && r.verdict === "not linearizable" ? firstLeftOut(history, part, longest) : null,
    });
  });
  const illegal = reports.find((p) => p.verdict === "not linearizable");
  const unknown = reports.find((p) => p.verdict === "unknown");
  const verdict: Verdict = illegal ? "not linearizable" : unknown ? "unknown" : "linearizable";
  return {
    verdict,
    model: model.name,
    ...(verdict === "unknown" && unknown?.reason !== undefined ? { reason: unknown.reason } : {}),
    partitions: reports,
    longestPerOperation,
    firstIllegal: illegal?.firstIllegal ?? null,
    stats: { operations: history.length, partitions: reports.length, steps, cacheEntries },
  };
}

/** One operation as text: "client 3 read → 4 [12, 15]". */
export function describeOperation<S, I, O>(model: Model<S, I, O>, op: Operation<I, O>): string {
  const what = model.describe
    ? model.describe(op.input, op.output)
    : `${describeValue(op.input)} → ${describeValue(op.output)}`;
  return `client ${op.client} ${what} [${op.call}, ${op.return === OPEN ? "open" : op.return}]`;
}

/** States after each operation of a (partial) linearization, replayed through the model. */
export function replay<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  sequence: readonly number[],
): S[] {
  const states: S[] = [];
  let state = model.init();
  for (const i of sequence) {
    const op = history[i] as Operation<I, O>;
    const next = model.step(state, op.input, op.output);
    if (next === undefined) throw new Error(`replay: operation ${i} is illegal after the given sequence`);
    state = next;
    states.push(state);
  }
  return states;
}

/** A short human explanation of a result, for graders and the command line. */
export function explainResult<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  result: LinearizabilityResult,
): string {
  const s = result.stats;
  const size = `${s.operations} operations, ${s.partitions} partition${s.partitions === 1 ? "" : "s"}, ${s.steps} steps`;
  if (result.verdict === "linearizable") return `linearizable (${size})`;
  if (result.verdict === "unknown")
    return `unknown: ${result.reason ?? "search gave up"} (${size}); this is not a pass`;
  const part = result.partitions.find((p) => p.verdict === "not linearizable") as PartitionReport;
  const lines = [`not linearizable (${size})`];
  const states = replay(model, history, part.longest);
  const last = states.length > 0 ? (states[states.length - 1] as S) : model.init();
  const stateText = model.describeState ? model.describeState(last) : describeValue(last);
  lines.push(
    `  longest partial linearization: ${part.longest.length} of ${part.operations.length} operations in its partition, ending in state ${stateText}`,
  );
  if (part.firstIllegal !== null)
    lines.push(`  cannot take effect: ${describeOperation(model, history[part.firstIllegal] as Operation<I, O>)}`);
  return lines.join("\n");
}
