/**
 * A realm is one `node:vm` context holding one copy of the learner's bundle: one per simulated
 * node incarnation (a restart builds a new one, so module state is really lost), plus one for
 * the grader's direct calls (property tests on a CRDT's merge, say). Host and context exchange
 * JSON text only; the host sees learner objects through read-mostly proxies whose reads are
 * cached until the realm runs learner code again.
 */
import vm from "node:vm";
import { SourceMap } from "node:module";
import type { Env, Node, NodeId, TimerHandle } from "@faultline/sim";
import { ContextPool, type PreparedContext } from "./context-pool.ts";
import { withLocalGlobals } from "./locals.ts";

/** A bundle compiled once and evaluated in each new realm. */
export class CompiledBundle {
  readonly script: vm.Script;
  /** Contexts prepared for this bundle, reused across node incarnations and seeds. */
  readonly pool: ContextPool;
  private sourceMap: SourceMap | undefined;
  private sourceMapTried = false;
  constructor(
    readonly code: string,
    /** File name shown in stacks before mapping, e.g. "faultline:raft". */
    readonly filename: string,
    /** Turns a source path from the map into what a learner should see. */
    private readonly showSource: (source: string) => string = (s) => s,
  ) {
    // Evaluated once per context, the script gives a function that evaluates the module afresh
    // at every call (a new module scope per node incarnation, with code that stays compiled).
    // The bundle's `var __lab` is local inside the wrapper: the epilogue returns it.
    this.script = new vm.Script(
      `(function faultlineModule() { return ${withLocalGlobals(code, 'return typeof __lab === "undefined" ? undefined : __lab;')} })`,
      { filename, lineOffset: -1 },
    );
    this.pool = new ContextPool(this.script, `faultline ${filename}`);
  }

  /** Rewrite stack frames that point into the bundle to the learner's own file:line:column. */
  mapStack(stack: string): string {
    if (!stack.includes(this.filename)) return stack;
    const map = this.map();
    if (!map) return stack;
    const re = new RegExp(`${escapeRe(this.filename)}:(\\d+):(\\d+)`, "g");
    return stack.replace(re, (whole, line: string, col: string) => {
      const e = map.findEntry(Number(line) - 1, Number(col) - 1) as {
        originalSource?: string;
        originalLine?: number;
        originalColumn?: number;
      };
      if (!e || e.originalSource === undefined || e.originalLine === undefined) return whole;
      return `${this.showSource(e.originalSource)}:${e.originalLine + 1}:${(e.originalColumn ?? 0) + 1}`;
    });
  }

  private map(): SourceMap | undefined {
    if (this.sourceMapTried) return this.sourceMap;
    this.sourceMapTried = true;
    const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(this.code);
    if (m) {
      try {
        this.sourceMap = new SourceMap(JSON.parse(Buffer.from(m[1] as string, "base64").toString("utf8")));
      } catch {
        this.sourceMap = undefined;
      }
    }
    return this.sourceMap;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Separators of a node call's reply (WIRE in bootstrap.ts). */
const RECORD = "\u0001";
const FIELD = "\u0002";
const PART = "\u0003";

/**
 * A handler's reply: its effects are `effects` up to `effectsEnd` (records joined by RECORD),
 * read in place rather than split. One object, reused: a reply is applied before the next call.
 */
interface NodeReply {
  effects: string;
  effectsEnd: number;
  err: WireError | undefined;
}
const reply: NodeReply = { effects: "", effectsEnd: 0, err: undefined };

const callScript = new vm.Script("__bridge(__req)", { filename: "faultline:call" });
const drainScript = new vm.Script("undefined", { filename: "faultline:settle" });
/** Handler calls between two settlings of a context's promise continuations. */
const DRAIN_EVERY = 16;

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  RangeError,
  TypeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * An error thrown by learner code, re-created in the host with the learner's name, message and
 * stack, as the host's own class for the built-in ones (so `instanceof RangeError` holds).
 */
export function learnerError(name: string, message: string, stack: string): Error {
  const Ctor = BUILTIN_ERRORS[name] ?? Error;
  const e = new Ctor(message);
  if (e.name !== name)
    Object.defineProperty(e, "name", { value: name, writable: true, configurable: true, enumerable: false });
  e.stack = stack || `${name}: ${message}`;
  return e;
}

interface WireError {
  name: string;
  message: string;
  stack: string;
}

type Wire = null | number | string | boolean | Wire[] | { [k: string]: Wire };

const HANDLE = Symbol("faultline.handle");
const REALM = Symbol("faultline.realm");

/** The realm and handle behind a proxy, if it is one. */
export function handleOf(v: unknown): { realm: Realm; h: number } | undefined {
  if ((typeof v !== "object" && typeof v !== "function") || v === null) return undefined;
  const h = (v as Record<symbol, unknown>)[HANDLE];
  const realm = (v as Record<symbol, unknown>)[REALM];
  return typeof h === "number" && realm instanceof Realm ? { realm, h } : undefined;
}

/** Single element reads of an array in one state before elements are fetched a window at a time. */
const ARRAY_SINGLE_READS = 8;
/** Elements fetched per window: a log scanned in one state costs one request per window, not per entry. */
const ARRAY_WINDOW = 64;

/** Array methods answered from one copy of the whole array instead of one request per element. */
const ARRAY_METHODS = new Set(
  Object.getOwnPropertyNames(Array.prototype).filter((k) => k !== "length" && k !== "constructor"),
);

export interface RealmOptions {
  /** Label used in errors: "n2", "the grader's copy". */
  label: string;
  /**
   * Told when learner code runs outside a simulator handler (loading the module, a grader's read
   * or call), so the watchdog can stop an endless loop there too and say where it was.
   */
  probe?: { enter(node: string, what: string, t: number): void; exit(): void };
  /** Node properties sent with every handler reply (LabGrader.observe). */
  observe?: readonly string[];
}

export class Realm {
  private readonly prepared: PreparedContext;
  private readonly context: vm.Context;
  private readonly bridge: (text: string) => unknown;
  private readonly getFn: (h: number, k: string) => unknown;
  private readonly sliceFn: (h: number, from: number | undefined, to: number | undefined) => unknown;
  private readonly nodeFn: (op: string, h: number, now: number, a: unknown, text: string | undefined) => unknown;
  /** Node calls since the context's microtasks last settled. */
  private callsSinceDrain = 0;
  /** Bumped whenever learner code may have run; cached reads are valid for one version. */
  private version = 0;
  /** Set once the context went back to its pool: nothing may read or call through this realm again. */
  private retired = false;
  private readonly proxies = new Map<number, unknown>();
  private readonly caches = new Map<number, { version: number; values: Map<string, unknown> }>();
  /** LabGrader.observe, split into keys. */
  private readonly observed: string[][];
  /** Handles that the simulator drives as nodes. */
  private readonly nodeAdapters = new Map<number, ContextNode>();
  /** Hands a node's adapter to the proxy of its object, which answers the simulator's handler reads. */
  private readonly bindAdapter = new Map<number, (adapter: ContextNode) => void>();

  constructor(
    readonly bundle: CompiledBundle,
    readonly options: RealmOptions,
  ) {
    const prepared = bundle.pool.take();
    this.prepared = prepared;
    this.context = prepared.context;
    this.bridge = prepared.bridge;
    this.nodeFn = prepared.node;
    this.getFn = prepared.get;
    this.sliceFn = prepared.slice;
    // Shorter paths first: "log" is cached before "log.length" is filled in on it.
    const paths = [...(options.observe ?? [])].sort((a, b) => a.split(".").length - b.split(".").length);
    this.observed = paths.map((p) => p.split("."));
    if (paths.length > 0) prepared.observe(JSON.stringify(paths));
    options.probe?.enter(
      options.label === "the implementation" ? "your module" : options.label,
      "loading your module",
      0,
    );
    try {
      prepared.load();
    } catch (err) {
      const w = wireError(err);
      throw learnerError(w.name, `your module threw while loading: ${w.message}`, this.bundle.mapStack(w.stack));
    } finally {
      options.probe?.exit();
    }
  }

  /**
   * Give the context back to the bundle's pool (the end of a seed: no proxy of this realm is
   * read again). Promise continuations left behind settle first, so none of them can run in
   * the next incarnation; then the context is reset.
   */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    const probe = this.options.probe;
    probe?.enter(this.options.label, "settling promises at the end of the run", 0);
    try {
      drainScript.runInContext(this.context);
    } catch {
      return; // a context whose last continuations throw is not reused
    } finally {
      probe?.exit();
    }
    this.bundle.pool.give(this.prepared);
  }

  private alive(): void {
    if (this.retired)
      throw new Error(
        `${this.options.label}: this node's context was released at the end of its run; read nodes while their run lasts`,
      );
  }

  /** The module's exports, as a proxy. */
  exports(): Record<string, unknown> {
    this.alive();
    const root = this.prepared.root();
    if (typeof root !== "number") throw new Error("the learner context lost its exports");
    return this.proxy({ $ns: root }) as Record<string, unknown>;
  }

  /** Lines the module printed with console.* while loading or outside handlers. */
  moduleLogs(): string[] {
    return this.request({ op: "logs" }, false) as string[];
  }

  /** Drive the learner object behind `proxy` as a simulated node. */
  asNode(proxy: unknown): void {
    const ref = handleOf(proxy);
    if (!ref || ref.realm !== this)
      throw new TypeError(
        `${this.options.label}: the node factory must return an object created by the implementation`,
      );
    if (this.nodeAdapters.has(ref.h)) return;
    const adapter = new ContextNode(this, ref.h);
    this.nodeAdapters.set(ref.h, adapter);
    this.bindAdapter.get(ref.h)?.(adapter);
  }

  // ---------------------------------------------------------------- requests

  /** One request; `mutates` runs it as a script so promises settle inside it, and drops cached reads. */
  request(req: Record<string, unknown>, mutates: boolean): unknown {
    const reply = this.send(JSON.stringify(req), mutates);
    const r = reply as { ok?: Wire; raw?: unknown; err?: WireError };
    if (r.err) throw this.learnerError(r.err);
    if ("raw" in r) return r.raw;
    return this.decode(r.ok as Wire);
  }

  /** Send request text; returns the parsed reply. Node handler calls go through nodeCall instead. */
  private send(text: string, mutates: boolean): unknown {
    this.alive();
    let out: unknown;
    const probe = this.options.probe;
    probe?.enter(this.options.label, mutates ? "a call from the grader" : "a read by the grader", 0);
    try {
      if (mutates) {
        this.version++;
        (this.context as Record<string, unknown>).__req = text;
        out = callScript.runInContext(this.context);
      } else out = this.bridge(text);
    } finally {
      probe?.exit();
    }
    if (typeof out !== "string")
      throw new Error(`${this.options.label}: the learner context answered with ${typeof out} instead of text`);
    return JSON.parse(out);
  }

  /**
   * One handler call, as a direct function call (cheaper than evaluating a script). Promise
   * continuations a handler left behind settle at a fixed rhythm of calls, deterministically,
   * and any env use from them fails the node at its next call. Returns the reply's effects
   * text (records joined by RECORD, see WIRE in bootstrap.ts) and the handler's error, if any;
   * the observed properties are taken into the read cache here.
   */
  nodeCall(op: "boot" | "msg" | "timer", h: number, now: number, a: unknown, text: string | undefined): NodeReply {
    if (this.retired) this.alive();
    this.version++;
    const out = this.nodeFn(op, h, now, a, text);
    if (++this.callsSinceDrain >= DRAIN_EVERY) {
      this.callsSinceDrain = 0;
      drainScript.runInContext(this.context);
    }
    if (typeof out !== "string")
      throw new Error(`${this.options.label}: the learner context answered with ${typeof out} instead of text`);
    // See WIRE in bootstrap.ts: "effects PART error PART observed".
    const end = out.lastIndexOf(PART);
    const mid = out.lastIndexOf(PART, end - 1);
    if (mid < 0) throw new Error(`${this.options.label}: the learner context answered with a malformed reply`);
    if (end + 1 < out.length) this.prefill(h, JSON.parse(out.slice(end + 1)) as Wire[]);
    reply.effects = out;
    reply.effectsEnd = mid;
    reply.err = mid + 1 < end ? (JSON.parse(out.slice(mid + 1, end)) as WireError) : undefined;
    return reply;
  }

  /**
   * A call of an exhaustive search (searchCall in bootstrap.ts): a handler run on a copy of the
   * state behind handle `h`, or its fingerprint. Learner code runs, so cached reads are dropped.
   */
  searchCall(op: "boot" | "msg" | "timer" | "fp", h: number, text: string, what: string): string {
    this.alive();
    this.version++;
    const probe = this.options.probe;
    probe?.enter(this.options.label, what, 0);
    let out: unknown;
    try {
      out = this.prepared.search(op, h, text);
    } finally {
      probe?.exit();
    }
    if (typeof out !== "string")
      throw new Error(`${this.options.label}: the learner context answered with ${typeof out} instead of text`);
    return out;
  }

  /** A proxy of the object behind handle `h` (a state an exhaustive search keeps). */
  objectProxy(h: number): unknown {
    this.alive();
    return this.proxy({ $obj: h });
  }

  learnerError(w: WireError): Error {
    return learnerError(String(w.name), String(w.message), this.bundle.mapStack(String(w.stack)));
  }

  /** The version reads are cached for: reads made at the same version see the same state. */
  get stateVersion(): number {
    return this.version;
  }

  /** The read cache of object `h`: one object for the realm's life, emptied as versions change. */
  cacheEntry(h: number): { version: number; values: Map<string, unknown> } {
    let c = this.caches.get(h);
    if (!c) this.caches.set(h, (c = { version: this.version, values: new Map() }));
    return c;
  }

  /** Reads of object `h` made at the current version (emptied when learner code runs again). */
  readCache(h: number): Map<string, unknown> {
    const c = this.cacheEntry(h);
    if (c.version !== this.version) {
      c.version = this.version;
      c.values.clear();
    }
    return c.values;
  }

  /** Fill the read caches with what a handler's reply says the node holds now (LabGrader.observe). */
  private prefill(h: number, values: Wire[]): void {
    const paths = this.observed;
    for (let i = 0; i < paths.length && i < values.length; i++) {
      const w = values[i] as Wire;
      if (w !== null && typeof w === "object" && !Array.isArray(w) && "$x" in w) continue;
      const path = paths[i] as string[];
      // The object holding the last key: the node itself, or what an earlier path led to.
      let holder = h;
      let ok = true;
      for (let j = 0; j < path.length - 1 && ok; j++) {
        const parent = this.readCache(holder).get(path[j] as string);
        const ref = handleOf(parent);
        if (ref && ref.realm === this) holder = ref.h;
        else ok = false;
      }
      if (ok) this.readCache(holder).set(path[path.length - 1] as string, this.decode(w));
    }
  }

  /**
   * One property of a learner object: primitives come back as they are (no JSON), anything else
   * as JSON text of its wire form. The most frequent request by far (a grader reading a node's
   * term, role or commit index after every step).
   */
  read(h: number, k: string): unknown {
    if (this.retired) this.alive();
    const probe = this.options.probe;
    probe?.enter(this.options.label, "a read by the grader", 0);
    let out: unknown;
    try {
      out = this.getFn(h, k);
    } finally {
      probe?.exit();
    }
    return this.readReply(out);
  }

  /** `array.slice(from, to)` run in the context, answered like a read (a log's tail after every step). */
  readSlice(h: number, from: number | undefined, to: number | undefined): unknown {
    if (this.retired) this.alive();
    const probe = this.options.probe;
    probe?.enter(this.options.label, "a read by the grader", 0);
    let out: unknown;
    try {
      out = this.sliceFn(h, from, to);
    } finally {
      probe?.exit();
    }
    return this.readReply(out);
  }

  /** A read's answer: a primitive as it is, or a kind letter and text (see fastGet in bootstrap.ts). */
  private readReply(out: unknown): unknown {
    switch (typeof out) {
      case "number":
      case "boolean":
      case "undefined":
        return out;
      case "string": {
        const body = out.slice(1);
        if (out.charCodeAt(0) === 115 /* s */) return body;
        if (out.charCodeAt(0) === 74 /* J: plain JSON data */) return JSON.parse(body) as unknown;
        if (out.charCodeAt(0) === 106 /* j */) return this.decode(JSON.parse(body) as Wire);
        throw this.learnerError(JSON.parse(body) as WireError);
      }
      default:
        if (out === null) return null;
        throw new Error(`${this.options.label}: the learner context answered a read with ${typeof out}`);
    }
  }

  // ---------------------------------------------------------------- wire values <-> host values

  encode(v: unknown, depth = 0): Wire {
    if (depth > 200) throw new RangeError("value is cyclic or nested too deeply to pass to learner code");
    switch (typeof v) {
      case "number":
        return Number.isFinite(v) && !Object.is(v, -0) ? v : { $n: Object.is(v, -0) ? "-0" : String(v) };
      case "string":
      case "boolean":
        return v;
      case "bigint":
        return { $big: String(v) };
      case "undefined":
        return { $u: 1 };
      case "function":
      case "object": {
        if (v === null) return null;
        const ref = handleOf(v);
        if (ref) {
          if (ref.realm !== this)
            throw new TypeError(
              `an object of another node cannot be passed to ${this.options.label}: nodes share nothing but messages`,
            );
          return { $h: ref.h };
        }
        if (typeof v === "function")
          throw new TypeError(`a function cannot be passed to learner code (${this.options.label})`);
        if (Array.isArray(v)) return v.map((x) => this.encode(x, depth + 1));
        const p = Object.getPrototypeOf(v);
        if (p !== Object.prototype && p !== null)
          throw new TypeError(
            `only plain data can be passed to learner code, not a ${(v as object).constructor?.name ?? "object"}`,
          );
        const o: Record<string, Wire> = {};
        for (const k of Object.keys(v as object)) o[k] = this.encode((v as Record<string, unknown>)[k], depth + 1);
        return { $o: o };
      }
      default:
        return { $u: 1 };
    }
  }

  decode(w: Wire): unknown {
    if (w === null || typeof w !== "object") return w;
    if (Array.isArray(w)) return w.map((x) => this.decode(x));
    if ("$o" in w) {
      const src = w.$o as Record<string, Wire>;
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(src)) o[k] = this.decode(src[k] as Wire);
      return o;
    }
    if ("$u" in w) return undefined;
    if ("$n" in w) return w.$n === "-0" ? -0 : Number(w.$n);
    if ("$big" in w) return BigInt(w.$big as string);
    return this.proxy(w);
  }

  private proxy(w: { [k: string]: Wire }): unknown {
    const h = (w.$obj ?? w.$arr ?? w.$fn ?? w.$ns) as number;
    const existing = this.proxies.get(h);
    if (existing) return existing;
    // A namespace's functions are called plainly; an instance's are methods (`this` is the instance).
    const kind = "$arr" in w ? "array" : "$fn" in w ? "function" : "$ns" in w ? "namespace" : "object";
    const realm = this;
    // Only a function target can be called; an object target must have no own keys of its own.
    const target: object = kind === "array" ? [] : kind === "function" ? function learnerObject() {} : {};
    const methods = new Map<string, unknown>();
    const cached = (key: string, load: () => unknown): unknown => {
      const cache = realm.readCache(h);
      const hit = cache.get(key);
      if (hit !== undefined || cache.has(key)) return hit;
      const v = load();
      cache.set(key, v);
      return v;
    };
    const whole = () => cached("\0all", () => realm.request({ op: "val", h }, false)) as unknown[];
    // Runs in the context, so only the asked-for part crosses (a leader's log tail, say).
    const slice = (args: unknown[]) =>
      cached(`\0slice:${args.map(String).join(",")}`, () =>
        realm.readSlice(h, args[0] as number | undefined, args[1] as number | undefined),
      ) as unknown[];
    // An array read element by element in one state (a log scanned from the start) is cheaper
    // fetched a window at a time: after a few single reads, elements come ARRAY_WINDOW per request.
    let singles = 0;
    let singlesVersion = -1;
    const get = (k: string) =>
      cached(k, () => {
        if (kind === "array" && k !== "length") {
          if (singlesVersion !== realm.stateVersion) {
            singlesVersion = realm.stateVersion;
            singles = 0;
          }
          if (++singles > ARRAY_SINGLE_READS) {
            const i = Number(k);
            if (Number.isInteger(i) && i >= 0) {
              const from = i - (i % ARRAY_WINDOW);
              return slice([from, from + ARRAY_WINDOW])[i - from];
            }
          }
        }
        return realm.read(h, k);
      });
    const keysOf = () => cached("\0keys", () => realm.request({ op: "keys", h }, false)) as string[];
    const entry = realm.cacheEntry(h);
    // Set when the simulator starts driving this object as a node (asNode).
    let adapter: ContextNode | undefined = realm.nodeAdapters.get(h);
    if (kind !== "array") realm.bindAdapter.set(h, (a) => (adapter = a));
    const p = new Proxy(target, {
      get(_t, k) {
        // The simulator asks for a handler at every event it delivers to the node.
        if (adapter !== undefined && (k === "onMessageText" || k === "onTimer" || k === "onMessage" || k === "start"))
          return adapter[k];
        // The common case for graders: a value already read (or observed) in this state.
        if (entry.version === realm.stateVersion && typeof k === "string") {
          const hit = entry.values.get(k);
          if (hit !== undefined && typeof hit !== "function") return hit;
        }
        if (k === HANDLE) return h;
        if (k === REALM) return realm;
        if (typeof k === "symbol") {
          if (k === Symbol.iterator)
            return kind === "array"
              ? () => whole()[Symbol.iterator]()
              : () => (realm.request({ op: "iter", h }, false) as unknown[])[Symbol.iterator]();
          if (k === Symbol.toPrimitive) return () => `[${kind} of ${realm.options.label}]`;
          return undefined;
        }
        if (kind !== "array" && k === "then") return undefined; // not a promise, whatever the object says
        if (kind === "array" && k === "slice")
          return (...args: unknown[]) =>
            args.every((a) => a === undefined || typeof a === "number")
              ? slice(args)
              : whole().slice(...(args as number[]));
        if (kind === "array" && ARRAY_METHODS.has(k)) {
          const fn = (Array.prototype as unknown as Record<string, unknown>)[k];
          if (typeof fn === "function")
            return (...args: unknown[]) => (fn as (...a: unknown[]) => unknown).apply(whole(), args);
        }
        const v = get(k);
        if (kind !== "namespace" && typeof v === "function" && handleOf(v)) {
          let m = methods.get(k);
          if (!m) {
            // Statics and `new` still reach the function itself; a call gets the instance as `this`.
            m = new Proxy(v, {
              apply: (_f, _this, args) => {
                // A call observed after the last handler (LabGrader.observe "name()") in this state.
                if (args.length === 0 && entry.version === realm.stateVersion) {
                  const hit = entry.values.get(`${k}()`);
                  if (hit !== undefined || entry.values.has(`${k}()`)) return hit;
                }
                return realm.request({ op: "call", h, k, a: args.map((a) => realm.encode(a)) }, true);
              },
            });
            methods.set(k, m);
          }
          return m;
        }
        return v;
      },
      has(_t, k) {
        if (typeof k === "symbol") return k === HANDLE || k === REALM;
        return keysOf().includes(k) || get(k) !== undefined;
      },
      ownKeys() {
        const keys = keysOf();
        return kind === "array" ? [...keys, "length"] : kind === "function" ? [...keys, "prototype"] : keys;
      },
      getOwnPropertyDescriptor(_t, k) {
        if (typeof k === "symbol") return undefined;
        if (kind === "array" && k === "length")
          return { value: get("length"), writable: true, enumerable: false, configurable: false };
        if (kind === "function" && k === "prototype") return Reflect.getOwnPropertyDescriptor(target, k);
        const keys = keysOf();
        return keys.includes(k) ? { value: get(k), writable: false, enumerable: true, configurable: true } : undefined;
      },
      set(_t, k) {
        throw new TypeError(
          `graders read learner objects, they do not change them (tried to set ${String(k)} on ${realm.options.label})`,
        );
      },
      apply(_t, _this, args) {
        return realm.request({ op: "apply", h, a: args.map((a) => realm.encode(a)) }, true);
      },
      construct(_t, args) {
        return realm.request({ op: "new", h, a: args.map((a) => realm.encode(a)) }, true) as object;
      },
    });
    this.proxies.set(h, p);
    return p;
  }
}

function wireError(err: unknown): WireError {
  if (err !== null && typeof err === "object") {
    try {
      const e = err as { name?: unknown; message?: unknown; stack?: unknown };
      return { name: String(e.name), message: String(e.message), stack: String(e.stack ?? "") };
    } catch {
      return { name: "Error", message: "threw an unreadable value", stack: "" };
    }
  }
  return { name: "Error", message: `threw ${String(err)}`, stack: "" };
}

/**
 * The simulator's view of a node living in a realm: start/onMessage/onTimer become requests,
 * and what the handler did (sends, timers, disk writes, logs) is replayed on the real env, in
 * order, right after it returns.
 */
/**
 * JSON text of a node id or a timer tag, parsed. The same few names come back in almost every
 * reply, so string values are kept (a string is immutable; an object tag is parsed afresh).
 */
const names = new Map<string, unknown>();
function parsedName(text: string): unknown {
  const hit = names.get(text);
  if (hit !== undefined) return hit;
  const v = JSON.parse(text) as unknown;
  if (typeof v === "string" && names.size < 4096) names.set(text, v);
  return v;
}

/** The simulator's env for nodes run elsewhere: messages and disk values as JSON text, unparsed. */
type TextEnv = Env<unknown, unknown> & {
  sendText(to: NodeId, text: string): void;
  disk: Env["disk"] & { writeText(key: string, text: string): void; readText(key: string): string | undefined };
};

class ContextNode implements Node<unknown, unknown> {
  private env: TextEnv | undefined;
  /** The context's timer handles -> the simulator's. */
  private readonly timers = new Map<number, TimerHandle>();

  constructor(
    private readonly realm: Realm,
    private readonly h: number,
  ) {}

  readonly start = (env: Env<unknown, unknown>): void => {
    const e = env as TextEnv;
    if (typeof e.sendText !== "function" || typeof e.disk.writeText !== "function")
      throw new Error("a node in a vm context needs the simulator's text env (sendText, disk.writeText)");
    this.env = e;
    const disk = e.disk.keys().map((k) => [k, e.disk.readText(k)]);
    const seed = Math.floor(env.random() * 0x1_0000_0000);
    this.apply(
      this.realm.nodeCall(
        "boot",
        this.h,
        env.now(),
        undefined,
        JSON.stringify({ id: env.id, peers: env.peers, disk, seed }),
      ),
    );
  };

  /** The simulator passes messages as text (onMessageText); an object is serialized to that. */
  readonly onMessage = (from: NodeId, msg: unknown): void => this.onMessageText(from, JSON.stringify(msg) ?? "null");

  readonly onMessageText = (from: NodeId, text: string): void => {
    const env = this.env as TextEnv;
    this.apply(this.realm.nodeCall("msg", this.h, env.now(), from, text));
  };

  readonly onTimer = (tag: unknown): void => {
    const env = this.env as TextEnv;
    this.apply(
      this.realm.nodeCall(
        "timer",
        this.h,
        env.now(),
        tag === undefined || typeof tag === "string" ? tag : JSON.stringify(tag),
        JSON.stringify(tag),
      ),
    );
  };

  /** Replay the effects of a reply on the simulator's env, in order, then throw what the handler threw. */
  private apply(r: NodeReply): void {
    const env = this.env as TextEnv;
    const { effects, effectsEnd: stop, err } = r;
    let i = 0;
    while (i < stop) {
      let next = effects.indexOf(RECORD, i);
      if (next < 0 || next > stop) next = stop;
      // A record is a kind letter, then its fields, each after a FIELD.
      switch (effects.charCodeAt(i)) {
        case 115 /* s: to, message */:
          {
            const f = effects.indexOf(FIELD, i + 2);
            env.sendText(parsedName(effects.slice(i + 2, f)) as NodeId, effects.slice(f + 1, next));
            break;
          }
        case 116 /* t: handle, ms, tag */:
          {
            const f1 = effects.indexOf(FIELD, i + 2);
            const f2 = effects.indexOf(FIELD, f1 + 1);
            this.timers.set(
              Number(effects.slice(i + 2, f1)),
              env.setTimer(Number(effects.slice(f1 + 1, f2)), parsedName(effects.slice(f2 + 1, next))),
            );
            break;
          }
        case 99 /* c: handle */:
          {
            const h = Number(effects.slice(i + 2, next));
            const hostHandle = this.timers.get(h);
            if (hostHandle !== undefined) {
              env.cancelTimer(hostHandle);
              this.timers.delete(h);
            }
            break;
          }
        case 119 /* w: key, value */:
          {
            const f = effects.indexOf(FIELD, i + 2);
            env.disk.writeText(JSON.parse(effects.slice(i + 2, f)) as string, effects.slice(f + 1, next));
            break;
          }
        case 100 /* d: key */:
          env.disk.delete(JSON.parse(effects.slice(i + 2, next)) as string);
          break;
        case 121 /* y */:
          env.disk.sync();
          break;
        case 108 /* l: text */:
          env.log(JSON.parse(effects.slice(i + 2, next)) as string);
          break;
      }
      i = next + 1;
    }
    if (err) throw this.realm.learnerError(err);
  }
}
