/**
 * Key-value store with get, put and append on string values; a key never written reads as "".
 *
 * The state is a whole map, so the same model checks a history as one object or, with the
 * per-key partition, key by key (then every state holds at most one key). States are canonical
 * (keys sorted, "" values dropped) and carry an incrementally maintained hash; values are
 * ropes, so equality, hashing and appends stay cheap while appended values grow.
 */
import { UNKNOWN } from "../history.ts";
import { describeValue, hashString, mix32, partitionByKey, type Model } from "../model.ts";
import { ropeAppend, ropeEquals, ropeEqualsString, ropeOf, ropeText, type Rope } from "./rope.ts";

export type KvInput =
  | { readonly op: "get"; readonly key: string }
  | { readonly op: "put"; readonly key: string; readonly value: string }
  | { readonly op: "append"; readonly key: string; readonly value: string };
/** A get returns the value; put and append outputs are ignored (use null). */
export type KvOutput = string | null;

/**
 * A map as an immutable list of entries sorted by key (one object per key: with per-key
 * partitioning a state is a single object, which keeps the garbage collector's work small).
 * Values are ropes, so an append adds one node and never copies the value.
 */
export interface KvState {
  readonly key: string;
  readonly value: Rope;
  /** Hash of this entry and every later one. */
  readonly hash: number;
  readonly next: KvState | null;
}

/** The empty map. */
const EMPTY = null;

function entryHash(key: string, value: Rope): number {
  return mix32(hashString(key) ^ mix32(value.hash) ^ value.length);
}

function cons(key: string, value: Rope, next: KvState | null): KvState {
  return { key, value, hash: entryHash(key, value) ^ (next === null ? 0 : next.hash), next };
}

/** The map with `key` set to `value` (null: the empty string, which removes the key). */
function withValue(state: KvState | null, key: string, value: Rope | null): KvState | null {
  if (state === null || key < state.key) return value === null ? state : cons(key, value, state);
  if (key === state.key) return value === null ? state.next : cons(key, value, state.next);
  const rest = withValue(state.next, key, value);
  return rest === state.next ? state : cons(state.key, state.value, rest);
}

function find(state: KvState | null, key: string): KvState | null {
  let s = state;
  while (s !== null && s.key !== key) s = s.next;
  return s;
}

export function kvGet(state: KvState | null, key: string): string {
  const e = find(state, key);
  return e === null ? "" : ropeText(e.value);
}

export const kvModel: Model<KvState | null, KvInput, KvOutput> = {
  name: "kv",
  init: () => EMPTY,
  step(state, input, output) {
    const op = input.op;
    if (op === "get") {
      if (output === UNKNOWN) return state;
      const e = find(state, input.key);
      return ropeEqualsString(e === null ? null : e.value, output as string) ? state : undefined;
    }
    if (op === "put") return withValue(state, input.key, input.value === "" ? null : ropeOf(input.value));
    if (input.value === "") return state;
    const e = find(state, input.key);
    return withValue(state, input.key, ropeAppend(e === null ? null : e.value, input.value));
  },
  equal(a, b) {
    let x = a;
    let y = b;
    if (x === y) return true;
    if (x === null || y === null || x.hash !== y.hash) return false;
    for (;;) {
      if (x === y) return true;
      if (x === null || y === null) return false;
      if (x.key !== y.key || !ropeEquals(x.value, y.value)) return false;
      x = x.next;
      y = y.next;
    }
  },
  hash: (s) => (s === null ? 0 : s.hash),
  readOnly: (input) => input.op === "get",
  partition: partitionByKey<KvInput, KvOutput>((input) => input.key),
  describe(input, output) {
    const out = output === UNKNOWN ? "?" : describeValue(output);
    if (input.op === "get") return `get(${describeValue(input.key)}) → ${out}`;
    return `${input.op}(${describeValue(input.key)}, ${describeValue(input.value)})`;
  },
  describeState(s) {
    const parts: string[] = [];
    for (let e = s; e !== null; e = e.next) parts.push(`${describeValue(e.key)}: ${describeValue(ropeText(e.value))}`);
    return `{${parts.join(", ")}}`;
  },
};

/** The same store checked as one object: no per-key partitioning. */
export const kvWholeModel: Model<KvState | null, KvInput, KvOutput> = {
  ...kvModel,
  name: "kv (unpartitioned)",
  partition: undefined,
};
