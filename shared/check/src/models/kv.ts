/**
 * Key-value store with get, put and append on string values; a key never written reads as "".
 *
 * The state is a whole map, so the same model checks a history as one object or, with the
 * per-key partition, key by key (then every state holds at most one key). States are canonical
 * (keys sorted, "" values dropped) and carry an incrementally maintained hash, so equality and
 * hashing stay cheap while appended values grow.
 */
import { UNKNOWN } from "../history.ts";
import { describeValue, hashString, mix32, partitionByKey, type Model } from "../model.ts";

export type KvInput =
  | { readonly op: "get"; readonly key: string }
  | { readonly op: "put"; readonly key: string; readonly value: string }
  | { readonly op: "append"; readonly key: string; readonly value: string };
/** A get returns the value; put and append outputs are ignored (use null). */
export type KvOutput = string | null;

export interface KvState {
  /** Sorted keys holding a non-empty value. */
  readonly keys: readonly string[];
  readonly values: readonly string[];
  /** Polynomial hash of each value, so an append extends it without rereading the value. */
  readonly valueHashes: readonly number[];
  readonly hash: number;
}

const BASE = 0x01000193;

/** Polynomial hash h(s) = sum s[i]·BASE^(n-1-i) mod 2^32, and BASE^n. */
function polyHash(s: string): { h: number; pow: number } {
  let h = 0;
  let pow = 1;
  for (let i = 0; i < s.length; i++) {
    h = (Math.imul(h, BASE) + s.charCodeAt(i)) | 0;
    pow = Math.imul(pow, BASE);
  }
  return { h, pow };
}

function entryHash(key: string, valueHash: number): number {
  return mix32(hashString(key) ^ mix32(valueHash));
}

const EMPTY: KvState = { keys: [], values: [], valueHashes: [], hash: 0 };

/** The state with `key` set to `value` (whose hash is `valueHash`). */
function withValue(state: KvState, key: string, value: string, valueHash: number): KvState {
  const keys = state.keys;
  let i = 0;
  while (i < keys.length && (keys[i] as string) < key) i++;
  const present = i < keys.length && keys[i] === key;
  let hash = state.hash;
  if (present) hash ^= entryHash(key, state.valueHashes[i] as number);
  const newKeys = keys.slice();
  const newValues = state.values.slice();
  const newHashes = state.valueHashes.slice();
  if (value === "") {
    if (!present) return state;
    newKeys.splice(i, 1);
    newValues.splice(i, 1);
    newHashes.splice(i, 1);
  } else {
    hash ^= entryHash(key, valueHash);
    if (present) {
      newValues[i] = value;
      newHashes[i] = valueHash;
    } else {
      newKeys.splice(i, 0, key);
      newValues.splice(i, 0, value);
      newHashes.splice(i, 0, valueHash);
    }
  }
  return { keys: newKeys, values: newValues, valueHashes: newHashes, hash };
}

function indexOfKey(state: KvState, key: string): number {
  const keys = state.keys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
  return -1;
}

export function kvGet(state: KvState, key: string): string {
  const i = indexOfKey(state, key);
  return i < 0 ? "" : (state.values[i] as string);
}

export const kvModel: Model<KvState, KvInput, KvOutput> = {
  name: "kv",
  init: () => EMPTY,
  step(state, input, output) {
    const op = input.op;
    if (op === "get") {
      if (output === UNKNOWN) return state;
      return kvGet(state, input.key) === output ? state : undefined;
    }
    if (op === "put") return withValue(state, input.key, input.value, polyHash(input.value).h);
    // append: h(s + v) = h(s)·BASE^|v| + h(v)
    const i = indexOfKey(state, input.key);
    if (input.value === "") return state;
    const v = polyHash(input.value);
    if (i < 0) return withValue(state, input.key, input.value, v.h);
    const old = state.values[i] as string;
    const oldHash = state.valueHashes[i] as number;
    return withValue(state, input.key, old + input.value, (Math.imul(oldHash, v.pow) + v.h) | 0);
  },
  equal(a, b) {
    if (a === b) return true;
    if (a.hash !== b.hash || a.keys.length !== b.keys.length) return false;
    for (let i = 0; i < a.keys.length; i++) {
      if (a.keys[i] !== b.keys[i] || a.valueHashes[i] !== b.valueHashes[i] || a.values[i] !== b.values[i]) return false;
    }
    return true;
  },
  hash: (s) => s.hash,
  partition: partitionByKey<KvInput, KvOutput>((input) => input.key),
  describe(input, output) {
    const out = output === UNKNOWN ? "?" : describeValue(output);
    if (input.op === "get") return `get(${describeValue(input.key)}) → ${out}`;
    return `${input.op}(${describeValue(input.key)}, ${describeValue(input.value)})`;
  },
  describeState(s) {
    if (s.keys.length === 0) return "{}";
    return `{${s.keys.map((k, i) => `${describeValue(k)}: ${describeValue(s.values[i])}`).join(", ")}}`;
  },
};

/** The same store checked as one object: no per-key partitioning. */
export const kvWholeModel: Model<KvState, KvInput, KvOutput> = { ...kvModel, name: "kv (unpartitioned)", partition: undefined };

