/**
 * Guards against nondeterminism in learner code. While a simulation segment runs, the global
 * sources of hidden input (Math.random, Date.now, new Date(), performance.now, real timers and
 * microtasks) are replaced by traps: outside a node handler they behave normally (the grader
 * may use them), inside one they report what the node should use instead and throw.
 */

export interface GuardOwner {
  /** Description of the handler now running ("n2 onMessage(AppendEntries)"), or undefined. */
  currentHandler(): string | undefined;
  /** Record a violation; the trap throws right after. */
  nondeterminism(api: string, advice: string): void;
}

const ADVICE: Record<string, string> = {
  "Math.random": "use env.random(), the node's seeded stream",
  "Date.now": "use env.now(), the node's (possibly skewed) clock",
  "new Date": "use env.now(), the node's (possibly skewed) clock",
  "performance.now": "use env.now(), the node's (possibly skewed) clock",
  setTimeout: "use env.setTimer(ms, tag) and handle it in onTimer(tag)",
  setInterval: "use env.setTimer(ms, tag) and set it again in onTimer(tag)",
  setImmediate: "handlers are synchronous: do the work now, or use env.setTimer(0, tag)",
  queueMicrotask: "handlers are synchronous: do the work now, or use env.setTimer(0, tag)",
  "process.nextTick": "handlers are synchronous: do the work now, or use env.setTimer(0, tag)",
};

export class NondeterminismError extends Error {
  constructor(
    readonly api: string,
    readonly where: string,
  ) {
    super(
      `${where} called ${api}(): real time, real randomness and real timers make runs unreproducible; ${ADVICE[api] ?? "use env"}`,
    );
    this.name = "NondeterminismError";
  }
}

const g = globalThis as unknown as Record<string, unknown>;
const original = {
  random: Math.random,
  dateNow: Date.now,
  Date: globalThis.Date,
  perfNow: globalThis.performance?.now.bind(globalThis.performance),
  perfNowOwn: Object.hasOwn(globalThis.performance ?? {}, "now"),
  setTimeout: g.setTimeout,
  setInterval: g.setInterval,
  setImmediate: g.setImmediate,
  queueMicrotask: g.queueMicrotask,
  nextTick: process.nextTick,
};

/** The real setImmediate, usable by the simulator itself while guards are installed. */
export const realSetImmediate = original.setImmediate as (fn: () => void) => unknown;

let owner: GuardOwner | undefined;

function trap(api: string, real: (...a: never[]) => unknown) {
  return function (this: unknown, ...args: never[]) {
    const where = owner?.currentHandler();
    if (where !== undefined && owner) {
      owner.nondeterminism(api, ADVICE[api] ?? "");
      throw new NondeterminismError(api, where);
    }
    return real.apply(this, args);
  };
}

const DateTrap: DateConstructor = new Proxy(original.Date, {
  construct(target, args, newTarget): object {
    if (args.length === 0) {
      const where = owner?.currentHandler();
      if (where !== undefined && owner) {
        owner.nondeterminism("new Date", ADVICE["new Date"] as string);
        throw new NondeterminismError("new Date", where);
      }
    }
    return Reflect.construct(target, args, newTarget === DateTrap ? target : newTarget);
  },
});

const traps = {
  random: trap("Math.random", original.random),
  dateNow: trap("Date.now", original.dateNow),
  perfNow: original.perfNow ? trap("performance.now", original.perfNow) : undefined,
  setTimeout: trap("setTimeout", original.setTimeout as never),
  setInterval: trap("setInterval", original.setInterval as never),
  setImmediate: trap("setImmediate", original.setImmediate as never),
  queueMicrotask: trap("queueMicrotask", original.queueMicrotask as never),
  nextTick: trap("process.nextTick", original.nextTick as never),
};

/** Install the traps for `o` (idempotent for the same owner). Returns an uninstall function. */
export function installGuards(o: GuardOwner): () => void {
  if (owner === o) return () => {};
  const previous = owner;
  owner = o;
  if (previous === undefined) {
    Math.random = traps.random as () => number;
    Date.now = traps.dateNow as () => number;
    g.Date = DateTrap;
    if (traps.perfNow) globalThis.performance.now = traps.perfNow as () => number;
    g.setTimeout = traps.setTimeout;
    g.setInterval = traps.setInterval;
    g.setImmediate = traps.setImmediate;
    g.queueMicrotask = traps.queueMicrotask;
    process.nextTick = traps.nextTick as typeof process.nextTick;
  }
  return () => {
    owner = previous;
    if (previous === undefined) uninstallAll();
  };
}

function uninstallAll(): void {
  Math.random = original.random;
  Date.now = original.dateNow;
  g.Date = original.Date;
  if (original.perfNow) {
    if (original.perfNowOwn) globalThis.performance.now = original.perfNow;
    else delete (globalThis.performance as unknown as Record<string, unknown>).now;
  }
  g.setTimeout = original.setTimeout;
  g.setInterval = original.setInterval;
  g.setImmediate = original.setImmediate;
  g.queueMicrotask = original.queueMicrotask;
  process.nextTick = original.nextTick;
}
