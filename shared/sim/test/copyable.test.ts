/** The copyable-state rule: what a search may copy and compare, and how a refusal reads. */
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { COPYABLE_SOURCE, copyable, isStateNotCopyable, type Copyable } from "../src/index.ts";

class Entry {
  constructor(
    public term: number,
    public command: string,
  ) {}
  describe(): string {
    return `${this.term}:${this.command}`;
  }
}
class Log {
  entries: Entry[] = [];
  last(): Entry | undefined {
    return this.entries[this.entries.length - 1];
  }
}

describe("copy", () => {
  it("copies Maps, Sets, arrays, plain objects and class instances deeply, methods included", () => {
    const log = new Log();
    log.entries.push(new Entry(1, "x"));
    const state = { log, peers: new Map([["n2", { next: 3 }]]), voted: new Set(["n1"]), when: new Date(5), n: -0 };
    const c = copyable.copy(state, undefined, "n1");
    expect(c).not.toBe(state);
    expect(c.log).toBeInstanceOf(Log);
    expect(c.log.last()?.describe()).toBe("1:x");
    c.log.entries.push(new Entry(2, "y"));
    c.peers.get("n2")!.next = 9;
    c.voted.add("n3");
    expect(log.entries).toHaveLength(1);
    expect(state.peers.get("n2")?.next).toBe(3);
    expect([...state.voted]).toEqual(["n1"]);
    expect(c.when.getTime()).toBe(5);
    expect(Object.is(c.n, -0)).toBe(true);
  });

  it("keeps a subclass of Map its prototype and its own fields", () => {
    class Registry extends Map<string, number> {
      label = "peers";
      total(): number {
        let t = 0;
        for (const v of this.values()) t += v;
        return t;
      }
    }
    const r = new Registry([["a", 1]]);
    const c = copyable.copy(r, undefined, "n1");
    expect(c).toBeInstanceOf(Registry);
    c.set("b", 2);
    expect(c.total()).toBe(3);
    expect(c.label).toBe("peers");
    expect(r.size).toBe(1);
    expect(copyable.fingerprint(r, undefined, "n1")).not.toBe(
      copyable.fingerprint(new Map([["a", 1]]), undefined, "n1"),
    );
  });

  it("keeps cycles and shared references as they were", () => {
    const a: { self?: unknown; twin?: unknown; other?: unknown } = {};
    const shared = { v: 1 };
    a.self = a;
    a.twin = shared;
    a.other = shared;
    const c = copyable.copy(a, undefined, "n1") as typeof a;
    expect(c.self).toBe(c);
    expect(c.twin).toBe(c.other);
    expect(c.twin).not.toBe(shared);
  });

  it("keeps what it is told to keep (the env) and classes by reference", () => {
    const env = Object.freeze({ id: "n1", send() {} });
    const node = { env, Counter: Entry };
    const c = copyable.copy(node, new Set([env]), "n1");
    expect(c.env).toBe(env);
    expect(c.Counter).toBe(Entry);
  });

  it("names the field that holds a function", () => {
    const node = { pending: new Map([["r7", { callback: () => 1 }]]) };
    let err: unknown;
    try {
      copyable.copy(node, undefined, "n1");
    } catch (e) {
      err = e;
    }
    expect(isStateNotCopyable(err)).toBe(true);
    expect((err as Error).message).toMatch(/^n1\.pending\.get\("r7"\)\.callback holds a function \(callback\)/);
    expect(() => copyable.copy({ list: [1, new WeakMap()] }, undefined, "n2")).toThrow(/n2\.list\[1\] holds a WeakMap/);
    expect(() => copyable.copy({ p: Promise.resolve(1) }, undefined, "n3")).toThrow(/n3\.p holds a Promise/);
  });
});

describe("fingerprint", () => {
  it("is equal for equal data whatever the insertion order", () => {
    const a = {
      m: new Map([
        ["x", 1],
        ["y", 2],
      ]),
      s: new Set([1, 2]),
      o: { p: 1, q: 2 },
    };
    const b = {
      o: { q: 2, p: 1 },
      s: new Set([2, 1]),
      m: new Map([
        ["y", 2],
        ["x", 1],
      ]),
    };
    expect(copyable.fingerprint(a, undefined, "n1")).toBe(copyable.fingerprint(b, undefined, "n1"));
  });

  it("tells apart different data, classes and shapes", () => {
    const f = (v: unknown) => copyable.fingerprint(v, undefined, "n1");
    expect(f({ a: 1 })).not.toBe(f({ a: 2 }));
    expect(f({ a: "1" })).not.toBe(f({ a: 1 }));
    expect(f(new Entry(1, "x"))).not.toBe(f({ term: 1, command: "x" }));
    expect(f([1, [2]])).not.toBe(f([[1], 2]));
    expect(f({ a: undefined })).not.toBe(f({}));
  });

  it("terminates on cycles", () => {
    const a: { self?: unknown } = {};
    a.self = a;
    expect(copyable.fingerprint(a, undefined, "n1")).toBe('{"self":#0}');
  });
});

describe("inside a node:vm context", () => {
  it("copies the context's own Maps and class instances with the context's constructors", () => {
    const ctx = vm.createContext({});
    const inner = vm.runInContext(COPYABLE_SOURCE, ctx) as Copyable;
    const state = vm.runInContext(
      "class Replica { constructor() { this.entries = new Map([['a', 1]]); } value() { let s = 0; for (const v of this.entries.values()) s += v; return s; } }; ({ r: new Replica(), cb: undefined })",
      ctx,
    ) as { r: { value(): number; entries: Map<string, number> } };
    const c = inner.copy(state, undefined, "n1");
    expect(c.r.value()).toBe(1);
    expect(c.r.entries instanceof Map).toBe(false); // the context's Map, not the host's
    expect(vm.runInContext("(x) => x.r.entries instanceof Map", ctx)(c)).toBe(true);
    const closure = vm.runInContext("({ f: () => 1 })", ctx);
    expect(() => inner.copy(closure, undefined, "n1")).toThrow(/n1\.f holds a function/);
  });
});
