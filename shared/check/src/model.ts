/**
 * Sequential specifications for the linearizability checker, as plain objects.
 *
 * A model says what a single correct copy of the object would do: from a state, an operation
 * (input with its observed output) is either possible, giving the next state, or impossible.
 * States must be immutable values: the search keeps old states and returns to them.
 */
import type { Operation, Unknown } from "./history.ts";

export interface Model<State, Input, Output> {
  /** Short name used in messages ("cas-register"). */
  readonly name: string;
  /** The state before any operation. Must not be undefined. */
  init(): State;
  /**
   * The state after `input` produced `output` (which may be UNKNOWN: allow every outcome), or
   * undefined when that output is impossible from `state`. Must not mutate `state`.
   */
  step(state: State, input: Input, output: Output | Unknown): State | undefined;
  /**
   * Optional hint: true when this operation (input with this output) never changes the state
   * in any state where it is legal, like a read or a failed compare-and-set. The search then
   * linearizes it as soon as it is legal without trying alternatives. A wrong "true" makes
   * verdicts wrong; when in doubt, leave it out.
   */
  readOnly?(input: Input, output: Output | Unknown): boolean;
  /** Value equality of states; equal states must have equal hashes. */
  equal(a: State, b: State): boolean;
  /** A 32-bit integer hash of a state, consistent with `equal`. */
  hash(state: State): number;
  /**
   * Split a history into independent sub-histories (P-compositionality: Herlihy & Wing's
   * locality), e.g. one per key. Every operation must land in exactly one part. Omit it to
   * check the history as a whole.
   */
  partition?(ops: readonly Operation<Input, Output>[]): (readonly Operation<Input, Output>[])[];
  /** Human-readable operation ("cas(1→2) ok"). */
  describe?(input: Input, output: Output | Unknown): string;
  /** Human-readable state. */
  describeState?(state: State): string;
}

/** A model whose types are erased, for code that handles any model. */
// biome-ignore lint/suspicious/noExplicitAny: the erased input, output and state types of any model
export type AnyModel = Model<any, any, any>;

/** Partition function grouping operations by a key of their input, in first-seen order. */
export function partitionByKey<I, O>(key: (input: I) => string | number) {
  return (ops: readonly Operation<I, O>[]): Operation<I, O>[][] => {
    const parts = new Map<string | number, Operation<I, O>[]>();
    for (const op of ops) {
      const k = key(op.input);
      let part = parts.get(k);
      if (part === undefined) {
        part = [];
        parts.set(k, part);
      }
      part.push(op);
    }
    return [...parts.values()];
  };
}

/** 32-bit FNV-1a over a string's UTF-16 code units. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Avalanche mix of a 32-bit integer (murmur3 finalizer). */
export function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Hash of a primitive register value (number, string, boolean, null, undefined). */
export function hashPrimitive(v: unknown): number {
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) && Math.abs(v) <= 0x7fffffff ? mix32(v) : hashString(String(v));
    case "string":
      return hashString(v);
    case "boolean":
      return v ? 0x2545f491 : 0x1b873593;
    default:
      return v === null ? 0x0badf00d : 0x5bd1e995;
  }
}

/** Default operation description: input and output as compact JSON-ish text. */
export function describeValue(v: unknown): string {
  if (typeof v === "symbol") return "?";
  if (v === undefined) return "undefined";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
