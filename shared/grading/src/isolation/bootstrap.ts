/**
 * The code that runs first in every learner context, before the learner's bundle. It replaces
 * every source of hidden input with the node's virtual one or a teaching error, builds `env`
 * inside the context (so no host object is ever handed in), buffers what a handler does as
 * effects, and answers the host's requests. Only strings cross between host and context.
 *
 * Kept as plain JavaScript text: it is evaluated inside the context, never in the host.
 */
import { COPYABLE_SOURCE } from "@faultline/sim";
import { withLocalGlobals } from "./locals.ts";

export const BOOTSTRAP_SOURCE = withLocalGlobals(String.raw`"use strict";
const G = globalThis;
const jsonParse = JSON.parse, jsonStringify = JSON.stringify;
const getProto = Object.getPrototypeOf, ObjectProto = Object.prototype, isArray = Array.isArray;
const objectKeys = Object.keys, defineProperty = Object.defineProperty, isFinite_ = Number.isFinite, is = Object.is;
const reflectConstruct = Reflect.construct, reflectApply = Reflect.apply, arraySlice = Array.prototype.slice, arrayJoin = Array.prototype.join;
const MAX_DEPTH = 200;

const handles = [];
let ids = new WeakMap();
function hid(o) {
  let id = ids.get(o);
  if (id === undefined) { id = handles.length; handles.push(o); ids.set(o, id); }
  return id;
}

// ------------------------------------------------------------ where we are, what a handler did
let where;            // "n2 onMessage(AppendEntries)" while a handler runs, or a function that says it
let callOp, callId, callA, callM; // the handler call "where" describes when it is describeCall
function describeCall() { return describe(callOp, callId, callA, callM); }
function whereNow() { if (where === describeCall) where = describeCall(); return where; }
let fx = null;        // effects of the current node call, each one framed record (see WIRE below)
let nowValue = 0;
// WIRE: a node call's reply is "effects PART error PART observed"; effects are records joined by
// RECORD, each a kind letter and fields joined by FIELD. Every field is JSON text or a number,
// and JSON text never holds a raw control character, so the host splits it without parsing the
// messages and disk values it only passes on.
const RECORD = "\u0001", FIELD = "\u0002", PART = "\u0003";
const moduleLogs = [];

function teach(api, advice) {
  const e = new Error((whereNow() || "your module") + " called " + api + ": real time, real randomness and real timers make runs unreproducible; " + advice);
  e.name = "NondeterminismError";
  throw e;
}
const ADVICE_RANDOM = "use env.random(), the node's seeded stream";
const ADVICE_TIME = "use env.now(), the node's (possibly skewed) clock";
const ADVICE_TIMER = "use env.setTimer(ms, tag) and handle it in onTimer(tag)";
const ADVICE_SYNC = "handlers are synchronous: do the work now, or use env.setTimer(0, tag)";

Math.random = function random() { teach("Math.random()", ADVICE_RANDOM); };
const RealDate = Date;
function FakeDate(...args) {
  if (!new.target) teach("Date()", ADVICE_TIME);
  if (args.length === 0) teach("new Date()", ADVICE_TIME);
  return reflectConstruct(RealDate, args, new.target === FakeDate ? RealDate : new.target);
}
FakeDate.prototype = RealDate.prototype;
FakeDate.UTC = RealDate.UTC;
FakeDate.parse = RealDate.parse;
FakeDate.now = function now() { teach("Date.now()", ADVICE_TIME); };
defineProperty(RealDate.prototype, "constructor", { value: FakeDate, writable: true, configurable: true });
G.Date = FakeDate;
{
  const proto = Intl.DateTimeFormat.prototype;
  const fmtGet = Object.getOwnPropertyDescriptor(proto, "format").get;
  const toParts = proto.formatToParts;
  defineProperty(proto, "format", { configurable: true, get() {
    const f = reflectApply(fmtGet, this, []);
    return function format(d) { if (d === undefined) teach("Intl.DateTimeFormat().format()", ADVICE_TIME); return f(d); };
  } });
  proto.formatToParts = function formatToParts(d) { if (d === undefined) teach("Intl.DateTimeFormat().formatToParts()", ADVICE_TIME); return reflectApply(toParts, this, [d]); };
}
const thrower = (api, advice) => function () { teach(api, advice); };
G.setTimeout = thrower("setTimeout()", ADVICE_TIMER);
G.setInterval = thrower("setInterval()", "use env.setTimer(ms, tag) and set it again in onTimer(tag)");
G.setImmediate = thrower("setImmediate()", ADVICE_SYNC);
G.queueMicrotask = thrower("queueMicrotask()", ADVICE_SYNC);
G.performance = { now: thrower("performance.now()", ADVICE_TIME) };
G.crypto = { getRandomValues: thrower("crypto.getRandomValues()", ADVICE_RANDOM), randomUUID: thrower("crypto.randomUUID()", ADVICE_RANDOM) };
G.process = new Proxy({}, { get(_, k) {
  const e = new Error((whereNow() || "your module") + " used process." + String(k) + ": a node has no process (no exit, signals, pid, environment or clock); it touches the world only through env (env.send, env.setTimer, env.now(), env.random(), env.disk, env.log)");
  e.name = "ForbiddenApi";
  throw e;
} });
G.WeakRef = thrower("WeakRef", "garbage collection timing is not reproducible; keep plain references");
G.FinalizationRegistry = thrower("FinalizationRegistry", "garbage collection timing is not reproducible");

// structuredClone is a host function in Node; this one covers what node state holds.
G.structuredClone = function structuredClone(value) {
  const seen = new Map();
  const clone = (v) => {
    if (v === null || typeof v !== "object") {
      if (typeof v === "function" || typeof v === "symbol") { const e = new Error(typeof v + " could not be cloned"); e.name = "DataCloneError"; throw e; }
      return v;
    }
    if (seen.has(v)) return seen.get(v);
    let out;
    if (isArray(v)) { out = new Array(v.length); seen.set(v, out); for (let i = 0; i < v.length; i++) out[i] = clone(v[i]); return out; }
    if (v instanceof Map) { out = new Map(); seen.set(v, out); for (const [k, x] of v) out.set(clone(k), clone(x)); return out; }
    if (v instanceof Set) { out = new Set(); seen.set(v, out); for (const x of v) out.add(clone(x)); return out; }
    if (v instanceof RealDate) return new RealDate(v.getTime());
    if (v instanceof RegExp) return new RegExp(v.source, v.flags);
    if (ArrayBuffer.isView(v)) return v.slice();
    out = {};
    seen.set(v, out);
    for (const k of objectKeys(v)) out[k] = clone(v[k]);
    return out;
  };
  return clone(value);
};

function show(a) {
  if (typeof a === "string") return a;
  try { const s = jsonStringify(a); return s === undefined ? String(a) : s; } catch { return String(a); }
}
function logLine(args) {
  const text = args.map(show).join(" ");
  if (fx) fx[fx.length] = "l" + FIELD + jsonStringify(text);
  else if (moduleLogs.length < 200) moduleLogs.push(text);
}
const logger = function (...args) { logLine(args); };
G.console = { log: logger, info: logger, warn: logger, error: logger, debug: logger, trace: logger };

// ------------------------------------------------------------ a node's seeded stream (sfc32)
function makeRandom(seed) {
  let a = seed >>> 0, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

// ------------------------------------------------------------ env, built in here
function needHandler(api) {
  if (!fx) {
    const e = new Error(api + " was called outside a handler (from a promise, or after the handler returned): handlers are synchronous");
    e.name = "EnvMisuse";
    if (!misuse) misuse = e;
    throw e;
  }
}
function makeEnv(id, peers, diskEntries, seed) {
  const disk = new Map(diskEntries);
  const random = makeRandom(seed);
  let timerSeq = 0;
  const env = {
    id,
    peers: Object.freeze(peers.slice()),
    send(to, msg) {
      needHandler("env.send");
      const text = jsonStringify(msg);
      if (text === undefined) throw new TypeError(id + ": env.send needs a JSON-serializable message, got " + typeof msg);
      fx[fx.length] = "s" + FIELD + jsonStringify(String(to)) + FIELD + text;
    },
    now() { return nowValue; },
    setTimer(ms, tag) {
      needHandler("env.setTimer");
      if (typeof ms !== "number" || !isFinite_(ms) || ms < 0) throw new RangeError(id + ": env.setTimer needs a finite ms >= 0, got " + String(ms));
      const h = ++timerSeq;
      const t = jsonStringify(tag);
      fx[fx.length] = "t" + FIELD + h + FIELD + ms + FIELD + (t === undefined ? "null" : t);
      return h;
    },
    cancelTimer(h) { needHandler("env.cancelTimer"); if (typeof h === "number") fx[fx.length] = "c" + FIELD + h; },
    random() { return random(); },
    disk: Object.freeze({
      read(key) { const v = disk.get(String(key)); return v === undefined ? undefined : jsonParse(v); },
      write(key, value) {
        needHandler("env.disk.write");
        const v = jsonStringify(value);
        if (v === undefined) throw new TypeError(id + ": env.disk.write needs a JSON-serializable value");
        disk.set(String(key), v);
        fx[fx.length] = "w" + FIELD + jsonStringify(String(key)) + FIELD + v;
      },
      delete(key) { needHandler("env.disk.delete"); disk.delete(String(key)); fx[fx.length] = "d" + FIELD + jsonStringify(String(key)); },
      keys() { return [...disk.keys()]; },
      sync() { needHandler("env.disk.sync"); fx[fx.length] = "y"; },
    }),
    log(...args) { needHandler("env.log"); logLine(args); },
  };
  return Object.freeze(env);
}

// ------------------------------------------------------------ values across the boundary
function enc(v, lazy, depth) {
  if (depth > MAX_DEPTH) throw new RangeError("value is cyclic or nested deeper than " + MAX_DEPTH);
  switch (typeof v) {
    case "number": return isFinite_(v) && !is(v, -0) ? v : { $n: is(v, -0) ? "-0" : String(v) };
    case "string": case "boolean": return v;
    case "bigint": return { $big: String(v) };
    case "undefined": case "symbol": return { $u: 1 };
    case "function": return { $fn: hid(v) };
  }
  if (v === null) return null;
  if (isArray(v)) {
    if (lazy) return { $arr: hid(v) };
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = enc(v[i], false, depth + 1);
    return out;
  }
  const p = getProto(v);
  if (p === ObjectProto || p === null) {
    const o = {};
    for (const k of objectKeys(v)) o[k] = enc(v[k], false, depth + 1);
    return { $o: o };
  }
  return { $obj: hid(v) };
}
// Plain JSON data (what most node state is) crosses as its JSON text, with no wire wrapping.
function isPlainJson(v, depth) {
  if (depth > MAX_DEPTH) return false;
  switch (typeof v) {
    case "string": case "boolean": return true;
    case "number": return isFinite_(v) && !is(v, -0);
    case "object": {
      if (v === null) return true;
      if (isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!isPlainJson(v[i], depth + 1)) return false;
        return true;
      }
      const p = getProto(v);
      if (p !== ObjectProto && p !== null) return false;
      for (const k of objectKeys(v)) if (!isPlainJson(v[k], depth + 1)) return false;
      return true;
    }
  }
  return false;
}

function dec(v) {
  if (v === null || typeof v !== "object") return v;
  if (isArray(v)) return v.map(dec);
  if ("$h" in v) { const o = handles[v.$h]; if (o === undefined) throw new Error("unknown object handle " + v.$h); return o; }
  if ("$u" in v) return undefined;
  if ("$n" in v) return v.$n === "-0" ? -0 : Number(v.$n);
  if ("$big" in v) return BigInt(v.$big);
  const o = {};
  for (const k of objectKeys(v.$o)) o[k] = dec(v.$o[k]);
  return o;
}
function errorOf(e) {
  if (e !== null && typeof e === "object") {
    let name = "Error", message = "", stack = "";
    try { name = String(e.name); message = String(e.message); stack = String(e.stack || ""); } catch {}
    return { name, message, stack };
  }
  return { name: "Error", message: "threw a non-error value: " + show(e), stack: "" };
}

// ------------------------------------------------------------ requests from the host
const nodes = new Map(); // handle -> env
let misuse; // env used after a handler returned (from a promise): reported at the next call
function describe(op, id, a, m) {
  if (op === "boot") return id + " start(env)";
  if (op === "msg") { const t = m !== null && typeof m === "object" ? (typeof m.type === "string" ? m.type : typeof m.kind === "string" ? m.kind : "message") : typeof m; return id + " onMessage(" + t + " from " + a + ")"; }
  return id + " onTimer(" + (typeof a === "string" ? a : show(a)) + ")";
}
// What the grader reads after every step (see LabGrader.observe), sent with each reply.
let observed = [];
const NOT_OBSERVED = '{"$x":1}';
function observeOne(v) {
  switch (typeof v) {
    case "number": return isFinite_(v) && !is(v, -0) ? String(v) : NOT_OBSERVED;
    case "string": case "boolean": return jsonStringify(v);
    case "undefined": return '{"$u":1}';
    case "object": {
      // As a read would give them: arrays and class instances by handle, plain data by value (not observed).
      if (v === null) return "null";
      if (isArray(v)) return '{"$arr":' + hid(v) + "}";
      const p = getProto(v);
      return p === ObjectProto || p === null ? NOT_OBSERVED : '{"$obj":' + hid(v) + "}";
    }
  }
  return NOT_OBSERVED;
}
function observe(o) {
  let out = "";
  for (let i = 0; i < observed.length; i++) {
    const path = observed[i];
    let text;
    try {
      // A key "name()" calls that method with no arguments (a read such as value()).
      let v = o;
      for (let j = 0; j < path.length; j++) {
        if (v === null || (typeof v !== "object" && typeof v !== "function")) { v = undefined; break; }
        const k = path[j];
        v = k.endsWith("()") ? reflectApply(v[k.slice(0, -2)], v, []) : v[k];
      }
      text = observeOne(v);
    } catch { text = NOT_OBSERVED; }
    out += i === 0 ? text : "," + text;
  }
  return out;
}
// One handler call of node object o: "where" says which (described only if a teaching error
// needs it: most calls never do), and a handler that returns a promise is refused.
function invokeHandler(o, op, env, a, m) {
  callOp = op; callId = env.id; callA = a; callM = m;
  where = describeCall;
  const r = op === "boot" ? o.start(env) : op === "msg" ? o.onMessage(a, m) : o.onTimer(m);
  if (r !== null && typeof r === "object" && typeof r.then === "function") {
    const e = new Error(whereNow() + " returned a promise: handlers are synchronous (no async/await in start, onMessage or onTimer)");
    e.name = "EnvMisuse";
    throw e;
  }
}
function nodeCall(op, h, now, a, text) {
  const o = handles[h];
  let env = nodes.get(h);
  let m, err;
  fx = [];
  nowValue = now;
  try {
    if (op === "boot") {
      const init = jsonParse(text);
      env = makeEnv(init.id, init.peers, init.disk, init.seed);
      nodes.set(h, env);
    } else if (op === "msg") m = jsonParse(text);
    else m = text === undefined ? undefined : jsonParse(text);
    if (misuse) { const e = misuse; misuse = undefined; throw e; }
    invokeHandler(o, op, env, a, m);
  } catch (e) { err = errorOf(e); }
  const fx_ = fx;
  fx = null;
  const obs = observed.length > 0 && o !== undefined && o !== null ? "[" + observe(o) + "]" : "";
  const out = reflectApply(arrayJoin, fx_, [RECORD]) + PART + (err ? jsonStringify(err) : "") + PART + obs;
  where = undefined;
  return out;
}
function handle(req) {
  const o = handles[req.h];
  let value;
  where = req.where;
  try {
    switch (req.op) {
      case "exports": value = enc(lab, false, 0); break;
      case "get": value = enc(o[req.k], true, 0); break;
      case "val":
        if (isPlainJson(o, 0)) { where = undefined; return '{"raw":' + jsonStringify(o) + "}"; }
        value = enc(o, false, 0);
        break;
      case "keys": value = objectKeys(o); break;
      case "iter": value = enc([...o], false, 0); break;
      case "call": value = enc(reflectApply(o[req.k], o, dec(req.a)), false, 0); break;
      case "apply": value = enc(reflectApply(o, undefined, dec(req.a)), false, 0); break;
      case "new": value = enc(reflectConstruct(o, dec(req.a)), false, 0); break;
      case "logs": value = moduleLogs.splice(0); break;
      default: throw new Error("unknown request " + req.op);
    }
  } catch (e) {
    where = undefined;
    return jsonStringify({ err: errorOf(e) });
  }
  where = undefined;
  return jsonStringify({ ok: value });
}
defineProperty(G, "__bridge", { value: function bridge(text) { return handle(jsonParse(text)); }, writable: false, configurable: false, enumerable: false });
// A read of one property, the grader's most frequent request: primitives cross as they are.
function fastGet(h, k) {
  const o = handles[h];
  let v;
  where = "a read by the grader";
  try {
    v = o[k];
    switch (typeof v) {
      case "number": if (isFinite_(v) && !is(v, -0)) return v; break;
      case "boolean": case "undefined": return v;
      case "string": return "s" + v;
    }
    if (v === null) return null;
    if (!isArray(v) && isPlainJson(v, 0)) return "J" + jsonStringify(v);
    return "j" + jsonStringify(enc(v, true, 0));
  } catch (e) {
    return "e" + jsonStringify(errorOf(e));
  } finally {
    where = undefined;
  }
}
defineProperty(G, "__get", { value: fastGet, writable: false, configurable: false, enumerable: false });
// A part of an array (a leader's log tail, read after every step), answered like fastGet.
function fastSlice(h, from, to) {
  where = "a read by the grader";
  try {
    const part = reflectApply(arraySlice, handles[h], [from, to]);
    if (isPlainJson(part, 0)) return "J" + jsonStringify(part);
    return "j" + jsonStringify(enc(part, false, 0));
  } catch (e) {
    return "e" + jsonStringify(errorOf(e));
  } finally {
    where = undefined;
  }
}
defineProperty(G, "__slice", { value: fastSlice, writable: false, configurable: false, enumerable: false });
defineProperty(G, "__observe", { value: function setObserved(text) { observed = jsonParse(text).map((p) => p.split(".")); }, writable: false, configurable: false, enumerable: false });
defineProperty(G, "__node", { value: nodeCall, writable: false, configurable: false, enumerable: false });
defineProperty(G, "__root", { value: function root() { return hid(lab); }, writable: false, configurable: false, enumerable: false });

// ------------------------------------------------------------ exhaustive search (@faultline/sim search)
// A search keeps many states of one node in its context: each handler runs on a copy of the
// state it starts from (the copyable-state rule), so the state stays as it was for the other
// events the search takes from it. A node's search env lives as long as the search; the disk
// and the pending timer handles of the state being run are handed in with every call.
const copyable = ${COPYABLE_SOURCE};
const searchEnvs = new Map(); // node id -> { env, kept }
let scall = null;             // { disk, pending, random } of the search call running now
function inSearch(api) { needHandler(api); return scall; }
function searchEnvOf(id, peers) {
  let s = searchEnvs.get(id);
  if (s) return s;
  const disk = Object.freeze({
    read(key) { const v = inSearch("env.disk.read").disk.get(String(key)); return v === undefined ? undefined : jsonParse(v); },
    write(key, value) {
      const c = inSearch("env.disk.write");
      const v = jsonStringify(value);
      if (v === undefined) throw new TypeError(id + ": env.disk.write needs a JSON-serializable value");
      c.disk.set(String(key), v);
      fx[fx.length] = "w" + FIELD + jsonStringify(String(key)) + FIELD + v;
    },
    delete(key) { inSearch("env.disk.delete").disk.delete(String(key)); fx[fx.length] = "d" + FIELD + jsonStringify(String(key)); },
    keys() { return [...inSearch("env.disk.keys").disk.keys()]; },
    sync() { inSearch("env.disk.sync"); fx[fx.length] = "y"; },
  });
  const env = Object.freeze({
    id,
    peers: Object.freeze(peers.slice()),
    send(to, msg) {
      inSearch("env.send");
      const text = jsonStringify(msg);
      if (text === undefined) throw new TypeError(id + ": env.send needs a JSON-serializable message, got " + typeof msg);
      fx[fx.length] = "s" + FIELD + jsonStringify(String(to)) + FIELD + text;
    },
    now() { return 0; },
    setTimer(ms, tag) {
      const c = inSearch("env.setTimer");
      if (typeof ms !== "number" || !isFinite_(ms) || ms < 0) throw new RangeError(id + ": env.setTimer needs a finite ms >= 0, got " + String(ms));
      let h = 1;
      while (c.pending.has(h)) h++;
      c.pending.add(h);
      const t = jsonStringify(tag);
      fx[fx.length] = "t" + FIELD + h + FIELD + ms + FIELD + (t === undefined ? "null" : t);
      return h;
    },
    cancelTimer(h) { const c = inSearch("env.cancelTimer"); if (typeof h === "number") { c.pending.delete(h); fx[fx.length] = "c" + FIELD + h; } },
    random() { return inSearch("env.random").random(); },
    disk,
    log(...args) { inSearch("env.log"); logLine(args); },
  });
  s = { env, kept: new Set([env, env.peers, disk]) };
  searchEnvs.set(id, s);
  return s;
}
// op "boot" (h: a fresh node), "msg" or "timer" (h: the state to start from; with inPlace, the
// state itself is changed: it was rebuilt by replay for this call), "fp" (fingerprint; with
// opaque, functions count by name).
// A handler call answers "handle PART effects PART error"; a state outside the rule answers
// "E" and the error's JSON.
function searchCall(op, h, text) {
  const req = jsonParse(text);
  const s = searchEnvOf(req.id, req.peers);
  let o = handles[h];
  const from = o;
  try {
    if (op === "fp") return "F" + copyable.fingerprint(o, s.kept, req.id, req.opaque === true);
    if (op !== "boot" && req.inPlace !== true) { o = copyable.copy(o, s.kept, req.id); h = hid(o); }
  } catch (e) { return "E" + jsonStringify(errorOf(e)); }
  let err, m;
  fx = [];
  nowValue = 0;
  // env.random() is seeded by the state the handler starts from and the event (computed only
  // if the handler draws), so a state and an event always lead to the same next state.
  let draw = req.seed === undefined ? null : makeRandom(req.seed);
  const random = () => {
    if (draw === null) {
      const text = copyable.fingerprint(from, s.kept, req.id) + "|" + op + "|" + (op === "msg" ? req.from + "|" + req.msg : req.tag);
      let x = 0x811c9dc5;
      for (let i = 0; i < text.length; i++) { x ^= text.charCodeAt(i); x = Math.imul(x, 0x01000193); }
      draw = makeRandom(x >>> 0);
    }
    return draw();
  };
  scall = { disk: new Map(req.disk), pending: new Set(req.pending), random };
  try {
    m = op === "msg" ? jsonParse(req.msg) : op === "timer" ? jsonParse(req.tag) : undefined;
    invokeHandler(o, op === "boot" ? "boot" : op === "msg" ? "msg" : "timer", s.env, op === "msg" ? req.from : req.tag, m);
  } catch (e) { err = errorOf(e); }
  const fx_ = fx;
  fx = null;
  scall = null;
  where = undefined;
  return String(h) + PART + reflectApply(arrayJoin, fx_, [RECORD]) + PART + (err ? jsonStringify(err) : "");
}
defineProperty(G, "__search", { value: searchCall, writable: false, configurable: false, enumerable: false });

// ------------------------------------------------------------ one context, many incarnations
// A context is reused for the next node incarnation (or seed) instead of built anew: building
// one costs milliseconds, and code in a reused context stays compiled and optimized. Reuse must
// be invisible to learner code, so nothing may carry over: each incarnation evaluates the
// bundle afresh (a new module scope, see load), the intrinsics are frozen once (harden) so no
// state can hide in Object.prototype or Math, and reset puts the global object back as it was
// and forgets every handle, node and log of the previous incarnation.
let lab;              // the exports of the current incarnation's module
const globalProto = getProto(G);
const snapshot = new Map(); // the global object's own properties once hardened
const ownKeys = Reflect.ownKeys, getOwnDescriptor = Object.getOwnPropertyDescriptor, freeze = Object.freeze;
const isExtensible = Object.isExtensible, setProto = Object.setPrototypeOf, deleteProperty = Reflect.deleteProperty;
const regexpExec = RegExp.prototype.exec, EMPTY_RE = /(?:)/;
function load(factory) { lab = undefined; lab = factory(); }
// Properties that ordinary code sets on its own objects by assignment (err.name = ...,
// obj.toString = ...): on a frozen prototype an assignment would fail, so each becomes an
// accessor whose setter defines the property on the object assigned to.
function enableOverride(proto, k) {
  const d = getOwnDescriptor(proto, k);
  if (!d || !("value" in d) || !d.writable || !d.configurable) return;
  const value = d.value;
  defineProperty(proto, k, {
    get: function () { return value; },
    set: function (v) {
      if (this === proto) throw new TypeError("Cannot assign to read only property '" + String(k) + "' of a built-in prototype: built-ins are frozen in graded code");
      defineProperty(this, k, { value: v, writable: true, enumerable: true, configurable: true });
    },
    enumerable: d.enumerable,
    configurable: false,
  });
}
function harden(moduleFunction) {
  const overrides = [[Object.prototype, ownKeys(Object.prototype)], [Function.prototype, ["toString"]]];
  for (const E of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, G.AggregateError]) if (E) overrides.push([E.prototype, ["name", "message", "toString", "constructor"]]);
  for (const [proto, keys] of overrides) for (const k of keys) if (k !== "__proto__") enableOverride(proto, k);
  // Everything reachable from the global object, plus intrinsics no global names.
  const roots = [moduleFunction, function* () {}, async function () {}, async function* () {}, [][Symbol.iterator](), new Map().entries(), new Set().values(), ""[Symbol.iterator](), reflectApply(RegExp.prototype[Symbol.matchAll], /a/g, [""])];
  if (typeof Intl.Segmenter === "function") { const segs = new Intl.Segmenter().segment(""); roots.push(segs, segs[Symbol.iterator]()); }
  for (const k of ownKeys(G)) {
    const d = getOwnDescriptor(G, k);
    snapshot.set(k, d);
    roots.push(d.value, d.get, d.set);
  }
  const seen = new Set();
  while (roots.length > 0) {
    const o = roots.pop();
    if ((typeof o !== "object" && typeof o !== "function") || o === null || o === G || seen.has(o)) continue;
    seen.add(o);
    roots.push(getProto(o));
    for (const k of ownKeys(o)) {
      const d = getOwnDescriptor(o, k);
      if (d) roots.push(d.value, d.get, d.set);
    }
  }
  for (const o of seen) freeze(o);
}
function sameDescriptor(a, b) {
  return is(a.value, b.value) && a.get === b.get && a.set === b.set && a.writable === b.writable && a.enumerable === b.enumerable && a.configurable === b.configurable;
}
// Back to the state after harden; false if the context cannot be made clean (then it is dropped).
function reset() {
  handles.length = 0;
  ids = new WeakMap();
  nodes.clear();
  searchEnvs.clear();
  scall = null;
  moduleLogs.length = 0;
  observed = [];
  misuse = undefined;
  fx = null;
  where = undefined;
  callA = callM = undefined;
  lab = undefined;
  reflectApply(regexpExec, EMPTY_RE, [""]); // RegExp.lastMatch and $1..$9 hold the last match
  try {
    if (!isExtensible(G)) return false;
    if (getProto(G) !== globalProto) setProto(G, globalProto);
    for (const k of ownKeys(G)) if (!snapshot.has(k) && !deleteProperty(G, k)) return false;
    for (const [k, d] of snapshot) {
      const now = getOwnDescriptor(G, k);
      if (!now || !sameDescriptor(now, d)) defineProperty(G, k, d);
    }
  } catch {
    return false;
  }
  return true;
}
defineProperty(G, "__load", { value: load, writable: false, configurable: false, enumerable: false });
defineProperty(G, "__harden", { value: harden, writable: false, configurable: false, enumerable: false });
defineProperty(G, "__reset", { value: reset, writable: false, configurable: false, enumerable: false });
`);
