/** The grader's own judge: Maelstrom's acceptable set for a counter. */
import { describe, expect, it } from "vitest";
import { AcceptableSet } from "../src/cluster.ts";

describe("AcceptableSet", () => {
  it("is exactly the acknowledged sum when no outcome is unknown", () => {
    const s = new AcceptableSet(12, []);
    expect(s.has(12)).toBe(true);
    expect(s.has(11)).toBe(false);
    expect(s.has(13)).toBe(false);
    expect(s.describe()).toContain("exactly 12");
  });

  it("adds any subset of the unknown deltas, and nothing in between", () => {
    const s = new AcceptableSet(10, [3, 5]);
    for (const v of [10, 13, 15, 18]) expect(s.has(v)).toBe(true);
    for (const v of [9, 11, 12, 14, 16, 17, 19]) expect(s.has(v)).toBe(false);
  });

  it("handles negative deltas (PN-Counter)", () => {
    const s = new AcceptableSet(0, [-2, 4]);
    for (const v of [-2, 0, 2, 4]) expect(s.has(v)).toBe(true);
    for (const v of [-1, 1, 3, 6]) expect(s.has(v)).toBe(false);
    expect(s.describe()).toContain("between -2 and 4");
  });
});
