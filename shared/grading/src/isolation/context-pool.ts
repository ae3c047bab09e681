/**
 * Learner contexts, built once and reused. A `node:vm` context costs milliseconds to build and
 * starts with cold code: every node incarnation in a fresh context ran the bootstrap and the
 * learner's code in V8's interpreter again, which made isolated runs twice as slow as the same
 * code imported once. A prepared context holds the bootstrap, the frozen intrinsics and the
 * bundle's module function; a node incarnation takes one, evaluates the module afresh in it
 * (a new module scope), and gives it back at the end of the seed, reset (see `reset` in
 * bootstrap.ts). A context that cannot be reset clean is dropped, never reused.
 */
import vm from "node:vm";
import { BOOTSTRAP_SOURCE } from "./bootstrap.ts";

/** What the host holds of a prepared context: the bootstrap's entry points, as context functions. */
export interface PreparedContext {
  readonly context: vm.Context;
  readonly bridge: (text: string) => unknown;
  readonly node: (op: string, h: number, now: number, a: unknown, text: string | undefined) => unknown;
  readonly get: (h: number, k: string) => unknown;
  readonly slice: (h: number, from: number | undefined, to: number | undefined) => unknown;
  readonly observe: (text: string) => void;
  /** A handler call or fingerprint of an exhaustive search (see searchCall in bootstrap.ts). */
  readonly search: (op: string, h: number, text: string) => unknown;
  readonly root: () => unknown;
  /** Evaluate the module afresh; what it throws is the learner's error. */
  readonly load: () => void;
  /** Forget the incarnation that used the context; false if it could not be made clean. */
  readonly reset: () => boolean;
}

const bootstrapScript = new vm.Script(BOOTSTRAP_SOURCE, { filename: "faultline:bootstrap", lineOffset: -1 });

/**
 * An ordinary global object (Node 22, and 20.18 on): without it the context's global sits
 * behind Node's interceptors and every global read in learner code is a call into C++.
 */
const DONT_CONTEXTIFY = (vm.constants as unknown as { DONT_CONTEXTIFY?: vm.Context } | undefined)?.DONT_CONTEXTIFY;

/** Idle contexts kept per bundle: a raft seed with many restarts uses some 65 node incarnations. */
export const MAX_IDLE_PER_BUNDLE = 64;

/** A pool of prepared contexts for one compiled bundle. */
export class ContextPool {
  private readonly idle: PreparedContext[] = [];

  constructor(
    private readonly script: vm.Script,
    private readonly name: string,
  ) {}

  /** An idle context, or a new one. */
  take(): PreparedContext {
    return this.idle.pop() ?? this.prepare();
  }

  /** Give a context back once nothing will read or call into it again; reset it for the next user. */
  give(c: PreparedContext): void {
    let clean = false;
    try {
      clean = c.reset() === true;
    } catch {
      clean = false;
    }
    if (clean && this.idle.length < MAX_IDLE_PER_BUNDLE) this.idle.push(c);
  }

  /** Contexts waiting to be reused. */
  get size(): number {
    return this.idle.length;
  }

  private prepare(): PreparedContext {
    const options = {
      name: this.name,
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: "afterEvaluate",
    } as const;
    const context =
      DONT_CONTEXTIFY !== undefined
        ? vm.createContext(DONT_CONTEXTIFY, options)
        : vm.createContext(Object.create(null) as object, options);
    const sandbox = context as Record<string, unknown>;
    bootstrapScript.runInContext(context);
    // The module function is compiled here, before the intrinsics are frozen; it is frozen with them.
    const factory = this.script.runInContext(context) as () => unknown;
    (sandbox.__harden as (f: unknown) => void)(factory);
    const load = sandbox.__load as (f: unknown) => void;
    return {
      context,
      bridge: sandbox.__bridge as PreparedContext["bridge"],
      node: sandbox.__node as PreparedContext["node"],
      get: sandbox.__get as PreparedContext["get"],
      slice: sandbox.__slice as PreparedContext["slice"],
      observe: sandbox.__observe as PreparedContext["observe"],
      search: sandbox.__search as PreparedContext["search"],
      root: sandbox.__root as PreparedContext["root"],
      load: () => load(factory),
      reset: sandbox.__reset as PreparedContext["reset"],
    };
  }
}
