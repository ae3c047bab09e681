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
 * set is a bitset with an incremental Zobrist hash, and model states are interned to small ids,
 * so the cache holds no JS objects.
 *
 * One refinement prunes the search further: each level first scans for a read-only operation
 * (a read, a failed cas: see SearchInput.readOnly) that is legal in the current state and takes
 * it with no alternative; only when there is none does it branch over the other candidates.
 * Popping such a forced operation, or finding its (set, state) pair already explored, fails
 * the level below it too.
 */
import { StateCache } from "./state-cache.ts";
import { StateInterner } from "./state-interner.ts";

export type Verdict = "linearizable" | "not linearizable" | "unknown";

export interface SearchLimits {
  /** Loop iterations allowed (one per entry visited). Exceeding it gives "unknown". */
  readonly maxSteps: number;
  /** State-cache entries allowed (bounds memory). Exceeding it gives "unknown". */
  readonly maxCacheEntries: number;
  /** Distinct model states allowed (bounds memory). Exceeding it gives "unknown". */
  readonly maxStates: number;
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
  /**
   * Per operation, 1 if it never changes the state wherever it is legal (a read, a failed
   * cas). Such an operation, when legal, is linearized at once with no alternative tried:
   * if any linearization extends the current prefix, one extends the prefix plus it (it can
   * move earlier: it is read-only, and every remaining operation returns after its call).
   */
  readonly readOnly?: ArrayLike<number>;
  /** At equal times, order returns before calls (default: calls first, i.e. concurrent). */
  readonly returnFirst?: boolean;
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

const NIL = -1;

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
 * Entries in time order. At equal times calls come first (operations that touch at one instant
 * are concurrent), or returns first when `returnFirst`. Returns node → entry code (2·op for a
 * call, 2·op+1 for a return).
 */
function sortEntries(calls: ArrayLike<number>, returns: ArrayLike<number>, returnFirst: boolean): Int32Array {
  const n = calls.length;
  const order = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) order[i] = i;
  const time = (code: number): number =>
    (code & 1) === 0 ? (calls[code >> 1] as number) : (returns[code >> 1] as number);
  // Sort a plain array (typed-array sort with a comparator is no faster and less portable).
  const sorted = Array.from(order).sort((a, b) => {
    const ta = time(a);
    const tb = time(b);
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ka = a & 1;
    const kb = b & 1;
    if (ka !== kb) return returnFirst ? kb - ka : ka - kb;
    return a - b;
  });
  return Int32Array.from(sorted);
}

/**
 * One resumable search. `run(steps)` advances by at most `steps` loop iterations, so several
 * partitions can be searched in deterministic round-robin slices (the first violation found
 * in any partition ends the whole check, as it would with one thread per partition).
 */
export class LinearizationSearch<S> {
  readonly n: number;
  private readonly step: (state: S, input: unknown, output: unknown) => S | undefined;
  private readonly inputs: readonly unknown[];
  private readonly outputs: readonly unknown[];
  private readonly trackLongest: boolean;
  private readonly limits: SearchLimits;
  private readonly head: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly nodeOp: Int32Array;
  private readonly nodeIsCall: Uint8Array;
  private readonly returnNodeOf: Int32Array;
  private readonly linearized: Uint32Array;
  private readonly zobrist: Int32Array;
  private readonly cache: StateCache;
  private readonly interner: StateInterner<S>;
  private readonly stackNode: Int32Array;
  private readonly stackState: Int32Array;
  private readonly stackForced: Uint8Array;
  private readonly readOnly: Uint8Array;
  private backtracking = false;
  /** At the start of a level: looking only for a legal read-only candidate. */
  private prescan: boolean;
  private readonly anyReadOnly: boolean;
  private readonly best: Int32Array;
  private readonly minBest: Int32Array;
  private readonly longest: (Int32Array | null)[];
  private setHash = 0;
  private depth = 0;
  private stateId: number;
  private entry: number;
  private steps = 0;
  private outcome: SearchResult | null = null;

  constructor(input: SearchInput<S>, limits: SearchLimits) {
    const n = input.calls.length;
    if (input.returns.length !== n || input.inputs.length !== n || input.outputs.length !== n)
      throw new Error("LinearizationSearch: input arrays differ in length");
    if (!(limits.maxSteps > 0) || !(limits.maxCacheEntries > 0) || !(limits.maxStates > 0))
      throw new Error("LinearizationSearch: limits must be positive");
    this.n = n;
    this.step = input.step;
    this.inputs = input.inputs;
    this.outputs = input.outputs;
    this.trackLongest = input.trackLongest;
    this.limits = limits;
    this.longest = new Array<Int32Array | null>(n).fill(null);

    const nodes = 2 * n;
    const head = nodes;
    this.head = head;
    const order = sortEntries(input.calls, input.returns, input.returnFirst === true);
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
      prev[node] = node === 0 ? head : node - 1;
    }
    next[head] = n === 0 ? NIL : 0;
    prev[head] = NIL;
    this.next = next;
    this.prev = prev;
    this.nodeOp = nodeOp;
    this.nodeIsCall = nodeIsCall;
    this.returnNodeOf = returnNodeOf;
    this.entry = next[head] as number;

    const words = Math.max(1, (n + 31) >>> 5);
    this.linearized = new Uint32Array(words);
    this.zobrist = zobristKeys(n);
    this.cache = new StateCache(words, limits.maxCacheEntries);
    this.interner = new StateInterner<S>(input.equal, input.hash, limits.maxStates);
    this.stackNode = new Int32Array(n);
    this.stackState = new Int32Array(n);
    this.stackForced = new Uint8Array(n);
    this.readOnly = new Uint8Array(n);
    if (input.readOnly !== undefined) for (let op = 0; op < n; op++) this.readOnly[op] = input.readOnly[op] ? 1 : 0;
    this.anyReadOnly = this.readOnly.includes(1);
    this.prescan = this.anyReadOnly;
    this.stateId = this.interner.intern(input.init);
    // For longest-partial tracking: best[op] = length of the longest linearization seen with
    // op; minBest[d] = min of best over the first d stacked operations, so the O(depth) update
    // is skipped when every stacked operation already has a linearization this long.
    this.best = new Int32Array(n);
    this.minBest = new Int32Array(n + 1);
    this.minBest[0] = 0x7fffffff;
  }

  /** The final result, or null while the search is still running. */
  get result(): SearchResult | null {
    return this.outcome;
  }

  get stepsTaken(): number {
    return this.steps;
  }

  /** Stops a running search from outside (another partition decided the verdict). */
  abandon(reason: string): SearchResult {
    if (this.outcome === null) this.outcome = this.finish("unknown", reason);
    return this.outcome;
  }

  /** Advances by at most `slice` steps; returns the result once the search has ended. */
  run(slice: number): SearchResult | null {
    if (this.outcome !== null) return this.outcome;
    const {
      step,
      inputs,
      outputs,
      trackLongest,
      next,
      prev,
      nodeOp,
      nodeIsCall,
      returnNodeOf,
      linearized,
      zobrist,
      cache,
      interner,
      stackNode,
      stackState,
      stackForced,
      readOnly,
      best,
      minBest,
    } = this;
    const states = interner.states;
    const head = this.head;
    const maxSteps = this.limits.maxSteps;
    const stopAt = Math.min(maxSteps, this.steps + slice);
    let steps = this.steps;
    let entry = this.entry;
    let depth = this.depth;
    let stateId = this.stateId;
    let state = states[stateId] as S;
    let setHash = this.setHash;
    let backtracking = this.backtracking;
    let prescan = this.prescan;
    const anyReadOnly = this.anyReadOnly;
    let outcome: SearchResult | null = null;
    while (next[head] !== NIL) {
      if (steps >= stopAt) break;
      steps++;
      if (backtracking || nodeIsCall[entry] === 0) {
        // A return entry: the operation it closes should already be linearized, so the prefix
        // fails. (Or a forced backtrack: see readOnly.) Undo the last linearized operation.
        if (prescan) {
          // the pre-scan reached the end of the candidates: none of them is read-only and
          // legal; now branch over the others from the first one
          prescan = false;
          entry = next[head] as number;
          continue;
        }
        if (depth === 0) {
          this.steps = steps;
          outcome = this.finish("not linearizable");
          break;
        }
        if (trackLongest && (minBest[depth] as number) < depth) this.recordLongest(depth);
        depth--;
        const call = stackNode[depth] as number;
        const op = nodeOp[call] as number;
        stateId = stackState[depth] as number;
        state = states[stateId] as S;
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
        // popping a read-only operation: no alternative at its level can succeed either
        backtracking = stackForced[depth] === 1;
        continue;
      }
      const op = nodeOp[entry] as number;
      // Pre-scan of a new level tries only read-only candidates; the branching scan after it
      // skips them (they are illegal in this state, or the pre-scan would have taken one).
      if (prescan !== (readOnly[op] === 1)) {
        entry = next[entry] as number;
        continue;
      }
      const newState = step(state, inputs[op], outputs[op]);
      if (newState === undefined) {
        entry = next[entry] as number;
        continue;
      }
      const newStateId = newState === state ? stateId : interner.intern(newState);
      if (newStateId < 0) {
        this.steps = steps;
        outcome = this.finish("unknown", `limit of ${this.limits.maxStates} distinct states reached`);
        break;
      }
      const word = op >>> 5;
      const bit = 1 << (op & 31);
      linearized[word] = (linearized[word] as number) | bit;
      const newSetHash = setHash ^ (zobrist[op] as number);
      const added = cache.add(newSetHash ^ Math.imul(newStateId + 1, 0x9e3779b1), linearized, newStateId);
      if (added !== 1) {
        linearized[word] = (linearized[word] as number) & ~bit;
        if (added === -1) {
          this.steps = steps;
          outcome = this.finish("unknown", `state cache limit of ${this.limits.maxCacheEntries} entries reached`);
          break;
        }
        // A legal read-only operation leading to an explored (hence failed) pair: the
        // current prefix fails too, whatever comes next.
        if (prescan) {
          prescan = false;
          backtracking = true;
        } else {
          entry = next[entry] as number;
        }
        continue;
      }
      stackNode[depth] = entry;
      stackState[depth] = stateId;
      stackForced[depth] = prescan ? 1 : 0;
      depth++;
      if (trackLongest) {
        const m = minBest[depth - 1] as number;
        const b = best[op] as number;
        minBest[depth] = Math.min(b, m);
      }
      stateId = newStateId;
      state = states[newStateId] as S;
      setHash = newSetHash;
      // lift: unlink the call entry and its return entry
      const ret = returnNodeOf[op] as number;
      next[prev[entry] as number] = next[entry] as number;
      prev[next[entry] as number] = prev[entry] as number;
      const afterRet = next[ret] as number;
      next[prev[ret] as number] = afterRet;
      if (afterRet !== NIL) prev[afterRet] = prev[ret] as number;
      entry = next[head] as number;
      prescan = anyReadOnly;
    }
    this.steps = steps;
    this.entry = entry;
    this.depth = depth;
    this.stateId = stateId;
    this.setHash = setHash;
    this.backtracking = backtracking;
    this.prescan = prescan;
    if (outcome !== null) return outcome;
    if (next[head] === NIL) {
      const linearization = this.stackOps(depth);
      if (trackLongest) this.longest.fill(linearization);
      this.outcome = { verdict: "linearizable", steps, cacheEntries: cache.size, linearization, longest: this.longest };
      return this.outcome;
    }
    if (steps >= maxSteps) return this.finish("unknown", `search budget of ${maxSteps} steps exhausted`);
    return null;
  }

  private finish(verdict: Verdict, reason?: string): SearchResult {
    this.outcome = {
      verdict,
      ...(reason === undefined ? {} : { reason }),
      steps: this.steps,
      cacheEntries: this.cache.size,
      linearization: null,
      longest: this.longest,
    };
    return this.outcome;
  }

  private stackOps(d: number): Int32Array {
    const seq = new Int32Array(d);
    for (let i = 0; i < d; i++) seq[i] = this.nodeOp[this.stackNode[i] as number] as number;
    return seq;
  }

  private recordLongest(d: number): void {
    const { best, minBest, longest } = this;
    const seq = this.stackOps(d);
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
      minBest[i] = Math.min(b, m);
    }
  }
}

/** Runs one search to its end. */
export function searchLinearization<S>(input: SearchInput<S>, limits: SearchLimits): SearchResult {
  const search = new LinearizationSearch(input, limits);
  for (;;) {
    const r = search.run(limits.maxSteps);
    if (r !== null) return r;
  }
}
