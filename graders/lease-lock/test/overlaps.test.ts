/** The grader's own judge of Part B: which arrivals are overlaps, and what the storage holds. */
import { describe, expect, it } from "vitest";
import { expectedOverlaps, expectedValues } from "../src/part-b.ts";
import type { Arrival } from "../src/watch.ts";

const w = (token: number, op: "put" | "append" = "put", key = "k", value = `v${token}`): Arrival => ({
  from: "c1",
  token,
  op,
  key,
  value,
  t: 0,
});

describe("expectedOverlaps", () => {
  it("compares with the highest token of every earlier write, not the previous one", () => {
    const got = expectedOverlaps([w(3), w(1), w(2), w(4)]);
    expect(got.map((o) => [o.token, o.highest])).toEqual([
      [1, 3],
      [2, 3],
    ]);
  });

  it("counts equal tokens (the same holder, or a duplicate) as no overlap", () => {
    expect(expectedOverlaps([w(1), w(1), w(2), w(2), w(2)])).toEqual([]);
  });
});

describe("expectedValues", () => {
  it("puts replace and appends add at the end, in arrival order, stale writes included", () => {
    expect(
      expectedValues([
        w(2, "append", "log", "a"),
        w(1, "append", "log", "b"),
        w(2, "put", "last", "x"),
        w(1, "put", "last", "y"),
      ]),
    ).toEqual({ log: "ab", last: "y" });
  });
});
