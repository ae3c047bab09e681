/**
 * The copyable-state rule. An exhaustive search copies a node's state to explore two events
 * from the same state, and compares states to explore each one once, so a node's fields must be
 * data: numbers, strings, booleans, bigints, null and undefined; arrays, plain objects, Maps,
 * Sets and Dates; instances of the node's own classes (copied with their prototype, so methods
 * keep working); and classes themselves (kept by reference: code, not state). Cycles and shared
 * references are kept as they are in the copy. Anything else (a closure, a bound method, a
 * Promise, a WeakMap, a symbol) cannot be copied and is reported with the path of the field
 * that holds it, e.g. `n1.pending.get("r7").callback`.
 *
 * Objects passed as `keep` (the node's `env`) are not state: copies refer to the same object.
 * Fields that JavaScript hides from reflection (`#private` fields, closure variables) cannot be
 * seen, so they are not copied: the rule asks for ordinary (TypeScript `private`) fields.
 *
 * The fingerprint of a state is a canonical text of it: equal data gives equal text whatever
 * the insertion order of object keys, Map entries or Set elements (like `equals` on Java
 * collections), so states that differ only in order are explored once.
 *
 * The code is kept as plain JavaScript text so the same function runs in the host (in-process
 * nodes) and inside a learner's `node:vm` context, where `Map` and `Array` are that context's.
 */

/** Evaluates to `{ copy(value, keep, root), fingerprint(value, keep, root) }`. */
export const COPYABLE_SOURCE = String.raw`(function copyable() {
  "use strict";
  const getProto = Object.getPrototypeOf, ObjectProto = Object.prototype, isArray = Array.isArray;
  const objectKeys = Object.keys, create = Object.create, fnToString = Function.prototype.toString, setProto = Object.setPrototypeOf;
  const jsonStringify = JSON.stringify, isFinite_ = Number.isFinite, is = Object.is;
  const MapC = Map, SetC = Set, DateC = Date, dateTime = Date.prototype.getTime;
  function isClass(f) {
    try { return /^class[\s{]/.test(fnToString.call(f)); } catch (e) { return false; }
  }
  function keyText(k) {
    return typeof k === "string" ? jsonStringify(k) : typeof k === "number" ? String(k) : "…";
  }
  function field(path, k) {
    return /^[A-Za-z_$][\w$]*$/.test(k) ? path + "." + k : path + "[" + jsonStringify(k) + "]";
  }
  function refuse(path, v) {
    let what;
    if (typeof v === "function") what = "a function (" + (v.name ? v.name : "anonymous") + "): keep data in fields and write behaviour as methods";
    else if (typeof v === "symbol") what = "a symbol";
    else {
      const c = getProto(v);
      const name = c && c.constructor && typeof c.constructor.name === "string" ? c.constructor.name : "object";
      what = "a " + name + ", which is not data";
    }
    const e = new Error(path + " holds " + what + ". Node state must be copyable: numbers, strings, booleans, arrays, plain objects, Maps, Sets and instances of your own classes");
    e.name = "StateNotCopyable";
    throw e;
  }
  const BUILTIN = [typeof WeakMap === "function" ? WeakMap : null, typeof WeakSet === "function" ? WeakSet : null, typeof Promise === "function" ? Promise : null, typeof RegExp === "function" ? RegExp : null];
  function isForeign(v) {
    for (const C of BUILTIN) if (C && v instanceof C) return true;
    return ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
  }
  function isOwnClassInstance(p) {
    // An instance of a class: its prototype chain reaches Object.prototype through prototypes
    // whose constructors are classes (or plain functions used as constructors).
    for (let q = p; q !== null && q !== ObjectProto; q = getProto(q)) {
      const c = q.constructor;
      if (typeof c !== "function" || c.prototype !== q) return false;
    }
    return true;
  }
  function copy(value, keep, root) {
    const seen = new MapC();
    const walk = (v, path) => {
      if (v === null) return v;
      const t = typeof v;
      if (t === "function") { if (isClass(v) || (keep && keep.has(v))) return v; refuse(path, v); }
      if (t === "symbol") refuse(path, v);
      if (t !== "object") return v;
      if (keep && keep.has(v)) return v;
      const hit = seen.get(v);
      if (hit !== undefined) return hit;
      let out;
      if (isArray(v)) {
        out = new Array(v.length);
        seen.set(v, out);
        for (let i = 0; i < v.length; i++) out[i] = walk(v[i], path + "[" + i + "]");
        return out;
      }
      if (v instanceof MapC || v instanceof SetC) {
        const isMap = v instanceof MapC;
        out = isMap ? new MapC() : new SetC();
        seen.set(v, out);
        // A subclass of Map or Set keeps its prototype and its own fields.
        const p = getProto(v);
        if (p !== (isMap ? MapC.prototype : SetC.prototype)) {
          if (!isOwnClassInstance(p)) refuse(path, v);
          setProto(out, p);
          for (const k of objectKeys(v)) out[k] = walk(v[k], field(path, k));
        }
        if (isMap) for (const [k, x] of v) out.set(walk(k, path + ".keys()"), walk(x, path + ".get(" + keyText(k) + ")"));
        else for (const x of v) out.add(walk(x, path + ".values()"));
        return out;
      }
      if (v instanceof DateC) { out = new DateC(dateTime.call(v)); seen.set(v, out); return out; }
      if (isForeign(v)) refuse(path, v);
      const p = getProto(v);
      if (p !== ObjectProto && p !== null && !isOwnClassInstance(p)) refuse(path, v);
      out = create(p);
      seen.set(v, out);
      for (const k of objectKeys(v)) out[k] = walk(v[k], field(path, k));
      return out;
    };
    return walk(value, root);
  }
  function fingerprint(value, keep, root, opaque) {
    const seen = new MapC();
    let next = 0;
    const walk = (v, path) => {
      if (v === null) return "null";
      switch (typeof v) {
        case "number": return isFinite_(v) && !is(v, -0) ? String(v) : is(v, -0) ? "-0" : String(v);
        case "string": return jsonStringify(v);
        case "boolean": return v ? "true" : "false";
        case "undefined": return "undefined";
        case "bigint": return String(v) + "n";
        case "symbol": refuse(path, v);
        case "function":
          if (isClass(v) || (keep && keep.has(v))) return "class " + (v.name || "?");
          if (opaque) return "function " + (v.name || "?");
          refuse(path, v);
      }
      if (keep && keep.has(v)) return "<kept>";
      const hit = seen.get(v);
      if (hit !== undefined) return "#" + hit;
      seen.set(v, next++);
      if (isArray(v)) {
        let s = "[";
        for (let i = 0; i < v.length; i++) s += (i ? "," : "") + walk(v[i], path + "[" + i + "]");
        return s + "]";
      }
      if (v instanceof MapC || v instanceof SetC) {
        const isMap = v instanceof MapC;
        const parts = [];
        if (isMap) for (const [k, x] of v) parts.push(walk(k, path + ".keys()") + "=>" + walk(x, path + ".get(" + keyText(k) + ")"));
        else for (const x of v) parts.push(walk(x, path + ".values()"));
        const p = getProto(v);
        let own = "";
        if (p !== (isMap ? MapC.prototype : SetC.prototype)) {
          own = ((p.constructor && p.constructor.name) || "?") + ":";
          for (const k of objectKeys(v).sort()) own += jsonStringify(k) + ":" + walk(v[k], field(path, k)) + ",";
        }
        return own + (isMap ? "Map{" : "Set{") + parts.sort().join(",") + "}";
      }
      if (v instanceof DateC) return "Date(" + dateTime.call(v) + ")";
      if (isForeign(v)) refuse(path, v);
      const p = getProto(v);
      if (p !== ObjectProto && p !== null && !isOwnClassInstance(p)) refuse(path, v);
      const name = p === ObjectProto || p === null ? "" : (p.constructor && p.constructor.name) || "?";
      const keys = objectKeys(v).sort();
      let s = name + "{";
      for (let i = 0; i < keys.length; i++) s += (i ? "," : "") + jsonStringify(keys[i]) + ":" + walk(v[keys[i]], field(path, keys[i]));
      return s + "}";
    };
    return walk(value, root);
  }
  return { copy, fingerprint };
})()`;

export interface Copyable {
  /**
   * A deep copy of `value` under the copyable-state rule; objects in `keep` are shared, not
   * copied. Throws a `StateNotCopyable` error naming the field path (from `root`) otherwise.
   */
  copy<T>(value: T, keep: ReadonlySet<unknown> | undefined, root: string): T;
  /**
   * The canonical text of `value` (see the module comment); throws like `copy`, except that
   * with `opaqueFunctions` a function counts as its name (for states rebuilt by replay, which
   * are never copied: what a closure captured is invisible and left out).
   */
  fingerprint(value: unknown, keep: ReadonlySet<unknown> | undefined, root: string, opaqueFunctions?: boolean): string;
}

/** The rule as it runs in this process (for nodes run in-process, and for tests). */
export const copyable: Copyable = new Function(`return ${COPYABLE_SOURCE};`)() as Copyable;

/** Thrown by `copy` and `fingerprint` for a state outside the rule. */
export function isStateNotCopyable(err: unknown): err is Error {
  return err instanceof Error && err.name === "StateNotCopyable";
}
