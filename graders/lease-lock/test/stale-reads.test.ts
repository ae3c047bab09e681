/** The grader's own judge of Part E's reads: the latest acknowledged write, or a concurrent one. */
import { describe, expect, it } from "vitest";
import { staleRead, type Op } from "../src/part-e.ts";

const versions = new Map([
  ["", [{ version: 0, t: 0 }]],
  ["a", [{ version: 1, t: 5 }]],
  ["b", [{ version: 2, t: 12 }]],
]);
const put = (value: string, call: number, ret: number | undefined): Op => ({
  client: "c4",
  replica: "r1",
  kind: "put",
  value,
  call,
  ret,
});
const get = (value: string, call: number, ret: number, replica = "r2"): Op => ({
  client: "c2",
  replica,
  kind: "get",
  value,
  call,
  ret,
});

describe("staleRead", () => {
  it("accepts the latest acknowledged write, and a write concurrent with the read", () => {
    expect(
      staleRead([put("a", 0, 10), get("a", 11, 12), put("b", 20, 30), get("a", 25, 26), get("b", 25, 27)], versions),
    ).toBeUndefined();
  });

  it("accepts a write acknowledged at the very instant the read is sent: they touch, so they are concurrent", () => {
    expect(staleRead([put("a", 0, 10), put("b", 10, 20), get("a", 20, 21)], versions)).toBeUndefined();
  });

  it("names a read older than a write acknowledged before it began", () => {
    expect(staleRead([put("a", 0, 10), put("b", 11, 20), get("a", 21, 22)], versions)).toMatch(/stale read/);
  });

  it("names a read that goes back in time after another read, even with the write unanswered", () => {
    expect(
      staleRead([put("a", 0, 10), put("b", 11, undefined), get("b", 12, 13, "r1"), get("a", 14, 15, "r2")], versions),
    ).toMatch(/went back in time/);
  });

  it("takes a duplicated put's value as new as its latest application before the read answered", () => {
    const again = new Map([
      ...versions,
      [
        "a",
        [
          { version: 1, t: 5 },
          { version: 3, t: 22 },
        ],
      ],
    ]);
    expect(staleRead([put("a", 0, 10), put("b", 11, 20), get("a", 21, 23)], again)).toBeUndefined();
    expect(staleRead([put("a", 0, 10), put("b", 11, 20), get("a", 20.5, 21)], again)).toMatch(/stale read/);
  });

  it("lets a read of a duplicated put's value stand for its first application, before a later write", () => {
    const again = new Map([
      ...versions,
      [
        "a",
        [
          { version: 1, t: 5 },
          { version: 3, t: 22 },
        ],
      ],
    ]);
    expect(
      staleRead([put("a", 0, 10), get("a", 23, 24, "r1"), put("b", 11, 20), get("b", 25, 26)], again),
    ).toBeUndefined();
  });

  it("names a value nobody wrote", () => {
    expect(staleRead([get("zzz", 1, 2)], versions)).toMatch(/nobody wrote/);
  });
});
