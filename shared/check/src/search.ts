/**
 * Wing & Gong's linearizability search with Lowe's state cache, for one (sub-)history.
 *
 * The history is a doubly linked list of call and return entries in time order. The search
 * walks it from the head: at a call entry it tries to linearize that operation next (the model
 * accepts its output from the current state, and the (linearized set, state) pair is new); it
 * then lifts the operation's two entries out of the list and starts again from the head. Reaching
 * a return entry means that operation should already have taken effect: backtrack by
 * unlifting the last linearized operation and trying the entry after it. An empty list is a
 * full linearization; a return entry with nothing to backtrack means there is none.
 *
 * Everything hot lives in typed arrays indexed by entry or operation number; the linearized
 * set is a bitset with an incremental Zobrist hash.
 */
import { StateCache } from "./state-cache.ts";

export type Verdict = "linearizable" | "not linearizable" | "unknown";

export interface SearchLimits {
  /** Loop iterations allowed (one per entry visited). Exceeding it gives "unknown". */
  readonly maxSteps: number;
  /** State-cache entries allowed (bounds memory). Exceeding it gives "unknown". */
  readonly maxCacheEntries: number;
}

export interface SearchInput<S> {
  readonly init: S;
  readonly step: (state: S, input: unknown, output: unknown) => S | undefined;
  readonly equal: (a: S, b: S) => boolean;
  readonly hash: (state: S) => number;
  readonly inputs: readonly unknown[];
  readonly outputs: readonly unknown[];
  readonly calls: ArrayLike<number>;
  readonly returns: ArrayLike<number>;
  /** Record, for every operation, the longest partial linearization that contains it. */
  readonly trackLongest: boolean;
}

export interface SearchResult {
  readonly verdict: Verdict;
  /** Why the verdict is unknown. */
  readonly reason?: string;
  readonly steps: number;
  readonly cacheEntries: number;
  /** A complete linearization (operation numbers in order) when linearizable. */
  readonly linearization: Int32Array | null;
  /**
   * Per operation, the longest partial linearization found that contains it (operation numbers
   * in order), or null if none does. Only filled when trackLongest was set.
   */
  readonly longest: (Int32Array | null)[];
}

/** Deterministic 32-bit random values for Zobrist hashing (splitmix32). */
function zobristKeys(n: number): Int32Array {
  const keys = new Int32Array(n);
  let s = 0x2f6b1c3d;
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    keys[i] = z ^ (z >>> 16);
  }
  return keys;
}

/**
 * Entries in time order; at equal times calls come first, so operations that touch at one
 * instant are concurrent. Returns node → entry code (2·op for a call, 2·op+1 for a return).
 */
function sortEntries(calls: ArrayLike<number>, returns: ArrayLike<number>): Int32Array {
  const n = calls.length;
  const order = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) order[i] = i;
  const time = (code: number): number => ((code & 1) === 0 ? (calls[code >> 1] as number) : (returns[code >> 1] as number));
  // Sort a plain array (typed-array sort with a comparator is no faster and less portable).
  const sorted = Array.from(order).sort((a, b) => {
    const ta = time(a);
    const tb = time(b);
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ka = a & 1;
    const kb = b & 1;
    if (ka !== kb) return ka - kb;
    return a - b;
  });
  return Int32Array.from(sorted);
}

export function searchLinearization<S>(input: SearchInput<S>, limits: SearchLimits): SearchResult {
  const n = input.calls.length;
  if (input.returns.length !== n || input.inputs.length !== n || input.outputs.length !== n) throw new Error("searchLinearization: input arrays differ in length");
  if (!(limits.maxSteps > 0) || !(limits.maxCacheEntries > 0)) throw new Error("searchLinearization: limits must be positive");
  const longest: (Int32Array | null)[] = new Array<Int32Array | null>(n).fill(null);
  if (n === 0) return { verdict: "linearizable", steps: 0, cacheEntries: 0, linearization: new Int32Array(0), longest };

  const { step, equal, hash, inputs, outputs, trackLongest } = input;
  const nodes = 2 * n;
  const HEAD = nodes;
  const NIL = -1;
  const order = sortEntries(input.calls, input.returns);
  const next = new Int32Array(nodes + 1);
  const prev = new Int32Array(nodes + 1);
  const nodeOp = new Int32Array(nodes);
  const nodeIsCall = new Uint8Array(nodes);
  const returnNodeOf = new Int32Array(n);
  for (let node = 0; node < nodes; node++) {
    const code = order[node] as number;
    const op = code >> 1;
    nodeOp[node] = op;
    if ((code & 1) === 0) nodeIsCall[node] = 1;
    else returnNodeOf[op] = node;
    next[node] = node + 1 < nodes ? node + 1 : NIL;
    prev[node] = node === 0 ? HEAD : node - 1;
  }
  next[HEAD] = 0;
  prev[HEAD] = NIL;

  const words = (n + 31) >>> 5;
  const linearized = new Uint32Array(words);
  const zobrist = zobristKeys(n);
  let setHash = 0;
  const cache = new StateCache<S>(words, equal, limits.maxCacheEntries);

  // The current partial linearization: call nodes and the state before each.
  const stackNode = new Int32Array(n);
  const stackState: S[] = new Array<S>(n);
  let depth = 0;
  let state = input.init;

  // For longest-partial tracking: best[op] = length of the longest linearization seen with op;
  // minBest[d] = min of best over the first d stacked operations (skip the O(depth) update
  // when every stacked operation already has a linearization this long).
  const best = new Int32Array(n);
  const minBest = new Int32Array(n + 1);
  minBest[0] = 0x7fffffff;

  const maxSteps = limits.maxSteps;
  let steps = 0;
  let entry = next[HEAD] as number;
  while (next[HEAD] !== NIL) {
    if (++steps > maxSteps) {
      return { verdict: "unknown", reason: `search budget of ${maxSteps} steps exhausted`, steps: steps - 1, cacheEntries: cache.size, linearization: null, longest };
    }
    if (nodeIsCall[entry] === 1) {
      const op = nodeOp[entry] as number;
      const newState = step(state, inputs[op], outputs[op]);
      if (newState !== undefined) {
        const word = op >>> 5;
        const bit = 1 << (op & 31);
        linearized[word] = (linearized[word] as number) | bit;
        const newSetHash = setHash ^ (zobrist[op] as number);
        const added = cache.add(newSetHash ^ Math.imul(hash(newState), 0x9e3779b1), linearized, newState);
        if (added === 1) {
          stackNode[depth] = entry;
          stackState[depth] = state;
          depth++;
          if (trackLongest) {
            const m = minBest[depth - 1] as number;
            const b = best[op] as number;
            minBest[depth] = b < m ? b : m;
          }
          state = newState;
          setHash = newSetHash;
          // lift: unlink the call entry and its return entry
          const ret = returnNodeOf[op] as number;
          next[prev[entry] as number] = next[entry] as number;
          prev[next[entry] as number] = prev[entry] as number;
          const afterRet = next[ret] as number;
          next[prev[ret] as number] = afterRet;
          if (afterRet !== NIL) prev[afterRet] = prev[ret] as number;
          entry = next[HEAD] as number;
        } else {
          linearized[word] = (linearized[word] as number) & ~bit;
          if (added === -1) {
            return { verdict: "unknown", reason: `state cache limit of ${limits.maxCacheEntries} entries reached`, steps, cacheEntries: cache.size, linearization: null, longest };
          }
          entry = next[entry] as number;
        }
      } else {
        entry = next[entry] as number;
      }
    } else {
      // A return entry: the operation it closes must already be linearized. Backtrack.
      if (depth === 0) {
        return { verdict: "not linearizable", steps, cacheEntries: cache.size, linearization: null, longest };
      }
      if (trackLongest && (minBest[depth] as number) < depth) recordLongest(depth);
      depth--;
      const call = stackNode[depth] as number;
      const op = nodeOp[call] as number;
      state = stackState[depth] as S;
      stackState[depth] = undefined as S; // let the old state be collected
      setHash ^= zobrist[op] as number;
      linearized[op >>> 5] = (linearized[op >>> 5] as number) & ~(1 << (op & 31));
      // unlift: relink the return entry, then the call entry
      const ret = returnNodeOf[op] as number;
      const afterRet = next[ret] as number;
      next[prev[ret] as number] = ret;
      if (afterRet !== NIL) prev[afterRet] = ret;
      next[prev[call] as number] = call;
      prev[next[call] as number] = call;
      entry = next[call] as number;
    }
  }

  const linearization = new Int32Array(depth);
  for (let i = 0; i < depth; i++) linearization[i] = nodeOp[stackNode[i] as number] as number;
  if (trackLongest) for (let op = 0; op < n; op++) longest[op] = linearization;
  return { verdict: "linearizable", steps, cacheEntries: cache.size, linearization, longest };

  function recordLongest(d: number): void {
    const seq = new Int32Array(d);
    for (let i = 0; i < d; i++) seq[i] = nodeOp[stackNode[i] as number] as number;
    for (let i = 0; i < d; i++) {
      const op = seq[i] as number;
      if ((best[op] as number) < d) {
        best[op] = d;
        longest[op] = seq;
      }
    }
    for (let i = 1; i <= d; i++) {
      const b = best[seq[i - 1] as number] as number;
      const m = minBest[i - 1] as number;
      minBest[i] = b < m ? b : m;
    }
  }
}
