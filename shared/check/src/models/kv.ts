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

/**
 * A map as an immutable list of entries sorted by key (one object per key: with per-key
 * partitioning a state is a single object, which keeps the garbage collector's work small).
 */
export interface KvState {
  readonly key: string;
  readonly value: string;
  /** Polynomial hash of value, so an append extends it without rereading the value. */
  readonly valueHash: number;
  /** Hash of this entry and every later one. */
  readonly hash: number;
  readonly next: KvState | null;
}

/** The empty map. */
const EMPTY = null;

const BASE = 0x01000193;

/** Polynomial hash of s continuing from h: h·BASE^|s| + sum s[i]·BASE^(|s|-1-i) mod 2^32. */
function polyHash(s: string, h = 0): number {
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, BASE) + s.charCodeAt(i)) | 0;
  return h;
}

function entryHash(key: string, valueHash: number): number {
  return mix32(hashString(key) ^ mix32(valueHash));
}

function cons(key: string, value: string, valueHash: number, next: KvState | null): KvState {
  return { key, value, valueHash, hash: entryHash(key, valueHash) ^ (next === null ? 0 : next.hash), next };
}

/**
 * The map with `key` set by `update(old value, old hash)` → [new value, new hash]; a new value
 * of "" removes the key (so equal maps have one representation).
 */
function withValue(state: KvState | null, key: string, value: string, valueHash: number): KvState | null {
  if (state === null || key < state.key) return value === "" ? state : cons(key, value, valueHash, state);
  if (key === state.key) return value === "" ? state.next : cons(key, value, valueHash, state.next);
  const rest = withValue(state.next, key, value, valueHash);
  return rest === state.next ? state : cons(state.key, state.value, state.valueHash, rest);
}

function find(state: KvState | null, key: string): KvState | null {
  let s = state;
  while (s !== null && s.key !== key) s = s.next;
  return s;
}

export function kvGet(state: KvState | null, key: string): string {
  return find(state, key)?.value ?? "";
}

export const kvModel: Model<KvState | null, KvInput, KvOutput> = {
  name: "kv",
  init: () => EMPTY,
  step(state, input, output) {
    const op = input.op;
    if (op === "get") {
      if (output === UNKNOWN) return state;
      return kvGet(state, input.key) === output ? state : undefined;
    }
    if (op === "put") return withValue(state, input.key, input.value, polyHash(input.value));
    if (input.value === "") return state;
    const entry = find(state, input.key);
    if (entry === null) return withValue(state, input.key, input.value, polyHash(input.value));
    return withValue(state, input.key, entry.value + input.value, polyHash(input.value, entry.valueHash));
  },
  equal(a, b) {
    let x = a;
    let y = b;
    if (x === y) return true;
    if (x === null || y === null || x.hash !== y.hash) return false;
    for (;;) {
      if (x === y) return true;
      if (x === null || y === null) return false;
      if (x.key !== y.key || x.valueHash !== y.valueHash || x.value !== y.value) return false;
      x = x.next;
      y = y.next;
    }
  },
  hash: (s) => (s === null ? 0 : s.hash),
  partition: partitionByKey<KvInput, KvOutput>((input) => input.key),
  describe(input, output) {
    const out = output === UNKNOWN ? "?" : describeValue(output);
    if (input.op === "get") return `get(${describeValue(input.key)}) → ${out}`;
    return `${input.op}(${describeValue(input.key)}, ${describeValue(input.value)})`;
  },
  describeState(s) {
    const parts: string[] = [];
    for (let e = s; e !== null; e = e.next) parts.push(`${describeValue(e.key)}: ${describeValue(e.value)}`);
    return `{${parts.join(", ")}}`;
  },
};

/** The same store checked as one object: no per-key partitioning. */
export const kvWholeModel: Model<KvState | null, KvInput, KvOutput> = { ...kvModel, name: "kv (unpartitioned)", partition: undefined };

