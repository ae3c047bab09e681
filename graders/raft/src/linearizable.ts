/**
 * Client histories checked with @faultline/check: the key-value operations against the
 * key-value model (per key), the counter against a counter whose incr returns the new value.
 * An operation without an answer is open with an unknown output: it may have happened at any
 * point after its call, or never.
 */
import {
  checkLinearizability,
  explainResult,
  kvModel,
  mix32,
  OPEN,
  UNKNOWN,
  type KvInput,
  type KvOutput,
  type Model,
  type Operation,
} from "@faultline/check";
import type { History } from "./client.ts";

type CounterIn = { readonly op: "incr" } | { readonly op: "read" };
type CounterOut = number;

/** A counter starting at 0: incr adds 1 and returns the new value, read returns the value. */
export const incrCounterModel: Model<number, CounterIn, CounterOut> = {
  name: "counter (incr returns the new value)",
  init: () => 0,
  step(state, input, output) {
    const next = input.op === "incr" ? state + 1 : state;
    return output === UNKNOWN || output === next ? next : undefined;
  },
  equal: (a, b) => a === b,
  hash: (s) => mix32(s | 0),
  describe: (input, output) => `${input.op} → ${output === UNKNOWN ? "?" : String(output)}`,
  describeState: (s) => String(s),
};

/** Undefined when both histories are linearizable, else what is wrong (or that the search gave up). */
export function checkHistory(history: History): string | undefined {
  const kv: Array<Operation<KvInput, KvOutput>> = [];
  const counter: Array<Operation<CounterIn, CounterOut>> = [];
  for (const r of history.ops) {
    const done = r.ret !== undefined;
    const times = { client: r.client, call: r.call, return: done ? (r.ret as number) : OPEN };
    const op = r.op;
    if (op.op === "incr" || op.op === "read") {
      counter.push({ ...times, input: { op: op.op }, output: done ? (r.result as number) : UNKNOWN });
    } else {
      const input: KvInput = op.op === "get" ? { op: "get", key: op.key } : { op: op.op, key: op.key, value: op.value };
      kv.push({ ...times, input, output: done ? (op.op === "get" ? (r.result as string) : null) : UNKNOWN });
    }
  }
  const budget = { maxSteps: 20_000_000 };
  const a = checkLinearizability(kvModel, kv, budget);
  if (a.verdict !== "linearizable")
    return `key-value history (${kv.length} operations): ${explainResult(kvModel, kv, a)}`;
  const b = checkLinearizability(incrCounterModel, counter, budget);
  if (b.verdict !== "linearizable")
    return `counter history (${counter.length} operations): ${explainResult(incrCounterModel, counter, b)}`;
  return undefined;
}
