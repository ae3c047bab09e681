/**
 * The boundary between the grader and a learner's `node:vm` context: what crosses, how reads
 * are cached and batched, and that every shortcut gives the same values as a plain read.
 */
import { describe, expect, it } from "vitest";
import { Simulation, type Node } from "@faultline/sim";
import { CompiledBundle, Realm } from "../src/isolation/realm.ts";
import { IsolatedImpl } from "../src/isolation/runtime.ts";

/** A learner module as the bundler would leave it: exports in `__lab`. */
const LEARNER = `
var __lab = (() => {
  class Keeper {
    constructor() { this.log = []; this.term = 0; this.role = "follower"; this.meta = { a: 1 }; this.reads = 0; }
    get counted() { this.reads++; return this.term; }
    total() { this.totalCalls = (this.totalCalls || 0) + 1; return this.term * 10; }
    start(env) {
      this.env = env;
      this.log = (env.disk.read("log") || []);
      if (env.id === "n1") env.send("n2", { type: "put", text: "tab\\tcontrol\\u0001\\u0002\\u0003 quote\\" end" });
    }
    onMessage(from, m) {
      this.term++;
      this.log.push({ term: this.term, m });
      this.env.disk.write("log", this.log);
      this.env.disk.sync();
      this.env.log("got", m.type, "\\u0001\\u0003");
      if (m.type === "put") this.env.send(from, { text: m.text, type: "ack" });
      if (m.type === "ack") this.env.send(from, { type: 'odd"type', n: 1 });
    }
    onTimer() {}
  }
  function fill(n) { const a = []; for (let i = 0; i < n; i++) a.push({ i, sq: i * i }); return a; }
  return { Keeper, fill };
})();
`;

const bundle = new CompiledBundle(LEARNER, "faultline:test");

function cluster(observe?: readonly string[]) {
  const iso = new IsolatedImpl(bundle, undefined, observe);
  const factory = iso.wrapFactory(() => new (iso.impl.Keeper as new () => Node<unknown>)());
  const sim = new Simulation<unknown>({
    seed: 7,
    nodes: 2,
    factory,
    trace: "full",
    faults: { delay: { kind: "uniform", min: 1, max: 2 } },
  });
  return sim;
}

describe("messages, disk values and logs cross as JSON text", () => {
  it("delivers text with control characters and quotes intact, and types from the text", async () => {
    const sim = cluster();
    await sim.runFor(50);
    const n1 = sim.node<{ log: Array<{ m: { type: string; text?: string } }> }>("n1") as {
      log: Array<{ m: { type: string; text?: string } }>;
    };
    const n2 = sim.node<{ log: Array<{ m: { type: string; text?: string } }> }>("n2") as {
      log: Array<{ m: { type: string; text?: string } }>;
    };
    const text = 'tab\tcontrol\u0001\u0002\u0003 quote" end';
    expect(n2.log[0]?.m).toEqual({ type: "put", text });
    expect(n1.log[0]?.m).toEqual({ text, type: "ack" });
    expect(n2.log[1]?.m).toEqual({ type: 'odd"type', n: 1 });
    expect(sim.stats.sentByType.get('n1:odd"type')).toBe(1);
    expect(sim.stats.sentByType.get("n1:put")).toBe(1);
    const logs = sim.trace
      .list()
      .filter((e) => e.kind === "log" && e.node !== "net")
      .map((e) => e.text);
    expect(logs).toContain("got put \u0001\u0003");
    const sends = sim.trace.list().filter((e) => e.kind === "send");
    expect(JSON.parse(sends[0]?.payload as string)).toEqual({ type: "put", text });
  });

  it("keeps disk values as written, across a crash and restart", async () => {
    const sim = cluster();
    await sim.runFor(50);
    const before = JSON.stringify((sim.node("n2") as { log: unknown }).log);
    sim.crash("n2");
    sim.restart("n2");
    await sim.runFor(1);
    expect(JSON.stringify((sim.node("n2") as { log: unknown }).log)).toBe(before);
    expect(sim.diskOf("n2").snapshot().log).toEqual(JSON.parse(before));
  });
});

describe("reads of learner objects", () => {
  it("observed properties match plain reads and are filled in without calling the context", async () => {
    const watched = cluster(["term", "role", "log", "log.length", "counted", "total()"]);
    const plain = cluster();
    await watched.runFor(50);
    await plain.runFor(50);
    for (const id of ["n1", "n2"]) {
      const w = watched.node(id) as {
        term: number;
        role: string;
        log: unknown[];
        meta: unknown;
        reads: number;
        counted: number;
      };
      const p = plain.node(id) as typeof w;
      expect([w.term, w.role, w.log.length, w.meta]).toEqual([p.term, p.role, p.log.length, p.meta]);
      expect(JSON.stringify(w.log)).toBe(JSON.stringify(p.log));
      // The getter ran once per handler call (for the reply), not again for this read.
      const readsBefore = w.reads;
      expect(w.counted).toBe(w.term);
      expect(w.reads).toBe(readsBefore);
      // So did the observed method: the grader's call is answered from the reply.
      const callsBefore = (w as unknown as { totalCalls: number }).totalCalls;
      expect((w as unknown as { total(): number }).total()).toBe(w.term * 10);
      expect((w as unknown as { totalCalls: number }).totalCalls).toBe(callsBefore);
    }
  });

  it("serves long arrays element by element, by window, by slice and whole with the same values", () => {
    const realm = new Realm(bundle, { label: "the implementation" });
    const fill = realm.exports().fill as (n: number) => Array<{ i: number; sq: number }>;
    const a = fill(300);
    const want = Array.from({ length: 300 }, (_, i) => ({ i, sq: i * i }));
    for (let i = 0; i < 300; i++) expect(a[i]).toEqual(want[i]);
    expect(a.slice(250)).toEqual(want.slice(250));
    expect(a.slice(-3, -1)).toEqual(want.slice(-3, -1));
    expect(a.map((x) => x.sq).reduce((s, x) => s + x, 0)).toBe(want.reduce((s, x) => s + x.sq, 0));
    expect([...a].length).toBe(300);
    expect(a[300]).toBeUndefined();
  });
});

/** A module that tries to keep state past its incarnation, and ordinary code that assigns over built-in names. */
const HOARDER = `
var __lab = (() => {
  let loads = 0;
  loads++;
  const found = { global: globalThis.stash, count: loads, lastMatch: RegExp.lastMatch, protoKeys: Object.keys(Object.prototype).length };
  function hoard() {
    globalThis.stash = "kept";
    /secret-(\\\\d+)/.exec("secret-42");
    // Sloppy code fails silently where strict code throws: either way nothing may stick.
    for (const f of [
      () => { Object.prototype.polluted = 1; },
      () => { Array.prototype.every = () => true; },
      () => { Math.stash = 1; },
      () => { JSON.parse = () => 1; },
    ]) {
      try { f(); } catch (e) {}
    }
    return ["polluted" in {}, [1].every(() => false), "stash" in Math, JSON.parse("2")];
  }
  function ordinary() {
    const o = { toString() { return "mine"; } };
    o.valueOf = () => 7;
    const p = {}; p.toString = () => "assigned";
    class Oops extends Error { constructor() { super("m"); this.name = "Oops"; } }
    const e = new Oops();
    return [String(o), o + 0, String(p), e.name, String(e)];
  }
  return { found: () => found, hoard, ordinary };
})();
`;

describe("a context is reused by the next incarnation with nothing left of the previous one", () => {
  const hoarder = new CompiledBundle(HOARDER, "faultline:hoarder");
  const strict = new CompiledBundle(`"use strict";${HOARDER}`, "faultline:strict-hoarder");
  it("freezes the built-ins, resets globals and RegExp statics, and evaluates the module afresh", () => {
    const first = new Realm(hoarder, { label: "n1" });
    const lib = first.exports() as { found(): unknown; hoard(): string[]; ordinary(): unknown[] };
    expect(lib.found()).toEqual({ count: 1, lastMatch: "", protoKeys: 0 });
    expect(lib.hoard()).toEqual([false, false, false, 2]);
    expect(lib.ordinary()).toEqual(["mine", 7, "assigned", "Oops", "Oops: m"]);
    first.retire();
    expect(() => lib.found()).toThrow(/released at the end of its run/);
    expect(hoarder.pool.size).toBe(1);
    const second = new Realm(hoarder, { label: "n1" });
    expect(hoarder.pool.size).toBe(0); // the same context again
    expect((second.exports() as { found(): unknown }).found()).toEqual({ count: 1, lastMatch: "", protoKeys: 0 });
    second.retire();
  });

  it("refuses strict code's writes to built-ins with an error, and still lets it assign over inherited names", () => {
    const r = new Realm(strict, { label: "n1" });
    const lib = r.exports() as { hoard(): unknown[]; ordinary(): unknown[] };
    expect(lib.hoard()).toEqual([false, false, false, 2]);
    expect(lib.ordinary()).toEqual(["mine", 7, "assigned", "Oops", "Oops: m"]);
    r.retire();
  });

  it("drops a context whose global object cannot be put back", () => {
    const sealed = new CompiledBundle(
      `var __lab = { seal() { Object.defineProperty(globalThis, "kept", { value: 1, configurable: false }); } };`,
      "faultline:sealer",
    );
    const r = new Realm(sealed, { label: "n1" });
    (r.exports() as { seal(): void }).seal();
    r.retire();
    expect(sealed.pool.size).toBe(0);
  });
});
