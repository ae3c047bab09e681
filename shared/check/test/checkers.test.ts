import { describe, expect, it } from "vitest";
import {
  checkCausalityClaims,
  checkClockCondition,
  checkConvergence,
  checkCounter,
  checkLostWrites,
  counterAcceptableSet,
  diffValues,
} from "../src/index.ts";

describe("convergence", () => {
  it("accepts equal states whatever the key or insertion order", () => {
    const r = checkConvergence({
      n1: { a: 1, b: new Set([1, 2]) },
      n2: { b: new Set([2, 1]), a: 1 },
      n3: { a: 1, b: new Set([1, 2]) },
    });
    expect(r.converged).toBe(true);
    expect(r.message).toContain("all 3 replicas converged");
  });

  it("groups replicas and names the differing paths", () => {
    const r = checkConvergence(
      new Map<string, unknown>([
        ["n1", { counts: { a: 5, b: 2 }, log: [1, 2] }],
        ["n2", { counts: { a: 5, b: 2 }, log: [1, 2] }],
        ["n3", { counts: { a: 3, b: 2 }, log: [1] }],
      ]),
    );
    expect(r.converged).toBe(false);
    expect(r.groups.map((g) => g.replicas)).toEqual([["n1", "n2"], ["n3"]]);
    expect(r.differences.get("n3")).toEqual([
      { path: "counts.a", expected: "5", actual: "3" },
      { path: "log[1]", expected: "2", actual: "(absent)" },
    ]);
    expect(r.message).toContain("counts.a: 3 (n1, n2 have 5)");
  });

  it("diffs maps, sets and scalars", () => {
    expect(
      diffValues(
        new Map([["k", 1]]),
        new Map([
          ["k", 2],
          ["j", 0],
        ]),
      ),
    ).toEqual([
      { path: "j", expected: "(absent)", actual: "0" },
      { path: "k", expected: "1", actual: "2" },
    ]);
    expect(diffValues(new Set([1, 2]), new Set([2, 3]))[0]).toEqual({
      path: "<root>",
      expected: "also [1]",
      actual: "also [3]",
    });
    expect(diffValues(1, 2)).toEqual([{ path: "<root>", expected: "1", actual: "2" }]);
  });
});

describe("counter acceptable set", () => {
  it("is the acknowledged sum plus any subset of unknown adds", () => {
    const adds = [
      { delta: 5, outcome: "ok" as const },
      { delta: 10, outcome: "unknown" as const },
      { delta: 1, outcome: "unknown" as const },
      { delta: 100, outcome: "fail" as const },
    ];
    expect(counterAcceptableSet(adds).set).toEqual([
      { lo: 5, hi: 6 },
      { lo: 15, hi: 16 },
    ]);
    expect(
      checkCounter(adds, [
        { by: "n1", value: 16 },
        { by: "n2", value: 6 },
      ]).ok,
    ).toBe(true);
    const bad = checkCounter(adds, [
      { by: "n1", value: 16 },
      { by: "n2", value: 10 },
      { by: "n3", value: 105 },
    ]);
    expect(bad.ok).toBe(false);
    expect(bad.badReads.map((r) => r.by)).toEqual(["n2", "n3"]);
    expect(bad.message).toContain("n2 = 10, n3 = 105");
    expect(bad.message).toContain("{5..6, 15..16}");
  });

  it("handles negative deltas of a PN counter", () => {
    const adds = [
      { delta: 3, outcome: "ok" as const },
      { delta: -2, outcome: "ok" as const },
      { delta: -4, outcome: "unknown" as const },
      { delta: 2, outcome: "unknown" as const },
    ];
    // 1 + subsets of {-4, 2}: 1, -3, 3, -1
    expect(counterAcceptableSet(adds).set).toEqual([
      { lo: -3, hi: -3 },
      { lo: -1, hi: -1 },
      { lo: 1, hi: 1 },
      { lo: 3, hi: 3 },
    ]);
    expect(checkCounter(adds, [{ value: -1 }]).ok).toBe(true);
    expect(checkCounter(adds, [{ value: 0 }]).ok).toBe(false);
  });

  it("stays exact for many unit-sized unknown adds (one interval)", () => {
    const adds = Array.from({ length: 5000 }, () => ({ delta: 1, outcome: "unknown" as const }));
    const r = counterAcceptableSet(adds);
    expect(r.set).toEqual([{ lo: 0, hi: 5000 }]);
    expect(r.approximate).toBe(false);
  });
});

describe("lost acknowledged writes", () => {
  const writes = [
    { value: 1, outcome: "ok" as const },
    { value: 2, outcome: "ok" as const },
    { value: 3, outcome: "unknown" as const },
    { value: 4, outcome: "fail" as const },
  ];
  it("accepts reads holding every acknowledged write, with or without unknown ones", () => {
    const r = checkLostWrites(writes, [
      { by: "n1", values: [2, 1] },
      { by: "n2", values: [1, 2, 3] },
    ]);
    expect(r.ok).toBe(true);
    expect(r.reads[1]?.recovered).toBe(1);
  });
  it("reports lost and never-written values per read", () => {
    const r = checkLostWrites(writes, [
      { by: "n1", values: [1, 2] },
      { by: "n2", values: [1, 4, 9] },
    ]);
    expect(r.ok).toBe(false);
    expect(r.reads[1]).toMatchObject({ by: "n2", lost: [2], unexpected: [4, 9] });
    expect(r.message).toContain("n2: lost 1 acknowledged: [2]; 2 never written: [4,9]");
  });
});

describe("clock condition and causality claims", () => {
  // two processes: a1 → send (a2) → b2 receive; b1 is concurrent with a1, a2
  const events = [
    { id: "a1", vc: [1, 0] },
    { id: "a2", vc: [2, 0] },
    { id: "b1", vc: [0, 1] },
    { id: "b2", vc: [2, 2] },
  ];
  it("accepts Lamport timestamps that respect happened-before", () => {
    const lamport = new Map<string | number, number>([
      ["a1", 1],
      ["a2", 2],
      ["b1", 1],
      ["b2", 3],
    ]);
    const r = checkClockCondition(events, (e) => lamport.get(e.id));
    expect(r.ok).toBe(true);
    expect(r.pairs).toBe(4); // a1<a2, a1<b2, a2<b2, b1<b2
  });
  it("reports a receive stamped no later than its send", () => {
    const lamport = new Map<string | number, number>([
      ["a1", 1],
      ["a2", 2],
      ["b1", 1],
      ["b2", 2],
    ]);
    const r = checkClockCondition(events, (e) => lamport.get(e.id));
    expect(r.ok).toBe(false);
    expect(r.violations.map((v) => [v.before, v.after])).toEqual([["a2", "b2"]]);
    expect(r.message).toContain("event a2 happened before event b2, but their timestamps are 2 and 2");
  });
  it("compares vector timestamps as vectors and reports missing ones", () => {
    const vectors = new Map<string | number, number[]>([
      ["a1", [1, 0]],
      ["a2", [2, 0]],
      ["b1", [0, 1]],
    ]);
    const r = checkClockCondition(events, (e) => vectors.get(e.id));
    expect(r.ok).toBe(false);
    expect(r.missing).toEqual(["b2"]);
    expect(r.violationCount).toBe(0);
  });
  it("checks before/after/concurrent claims against the ground truth", () => {
    const r = checkCausalityClaims(events, [
      { a: "a1", b: "b2", claim: "before" },
      { a: "b2", b: "a2", claim: "after" },
      { a: "a1", b: "b1", claim: "before" },
    ]);
    expect(r.ok).toBe(false);
    expect(r.mismatches.map((m) => m.message)).toEqual(["events a1 and b1: claimed before, actually concurrent"]);
  });
});
