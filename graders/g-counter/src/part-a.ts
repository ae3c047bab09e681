/** Part A: the G-Counter and its lattice laws, by property-based tests. */
import fc from "fast-check";
import type { Scenario } from "@faultline/grading";
import {
  buildG,
  entries,
  holds,
  law,
  leq,
  REPLICAS,
  sameEntries,
  show,
  showSpec,
  thrown,
  gSpec,
  type L,
} from "./props.ts";

const amounts = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 });
const BAD_AMOUNTS = [-1, -7, 1.5, 0.25, Number.NaN, Number.POSITIVE_INFINITY];

function maxOf(x: Record<string, number>, y: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of REPLICAS) out[r] = Math.max(x[r] ?? 0, y[r] ?? 0);
  return out;
}

export const partA: Array<Scenario<L>> = [
  {
    part: "A",
    name: "increment and value",
    points: 6,
    seeds: 3,
    hints: [
      "increment adds to the entry of this.replicaId and nothing else; value() is the sum of every entry, including the entries learned from other replicas.",
      "Validate first: Number.isSafeInteger(amount) && amount >= 0, else throw new RangeError(...) before touching any entry. A negative increment would make the state smaller, and the next merge would undo it.",
      "merge must return a counter owned by this.replicaId (new GCounter(this.replicaId)), so increments after a merge still land in this replica's own entry.",
    ],
    run(ctx) {
      const G = ctx.impl.GCounter;
      const c = new G("n1");
      c.increment();
      c.increment(4);
      ctx.check(
        c.get("n1") === 5,
        "increment adds to the own entry",
        () => `after increment() and increment(4) on GCounter("n1"), get("n1") is ${c.get("n1")}, expected 5`,
      );
      ctx.check(
        c.value() === 5,
        "value is the sum of the entries",
        () => `after increment() and increment(4), value() is ${c.value()}, expected 5`,
      );
      // Zero is a whole, non-negative amount: valid, and it changes nothing.
      const zero = thrown(() => c.increment(0));
      ctx.check(
        zero === undefined,
        "increment(0) is valid",
        () => `increment(0) threw ${String(zero)}; 0 is a non-negative whole amount: accept it and change nothing`,
      );
      ctx.check(
        c.value() === 5 && c.get("n1") === 5,
        "increment(0) changes nothing",
        () => `after increment(0) the value is ${c.value()}, expected 5`,
      );
      for (const bad of BAD_AMOUNTS) {
        const err = thrown(() => c.increment(bad));
        ctx.check(err instanceof RangeError, "increment rejects invalid amounts", () =>
          err === undefined
            ? `increment(${bad}) was accepted (value is now ${c.value()}); a G-Counter only grows by whole amounts: throw a RangeError`
            : `increment(${bad}) threw ${String(err)}, expected a RangeError`,
        );
        ctx.check(
          c.value() === 5 && c.get("n1") === 5,
          "a rejected increment changes nothing",
          () => `after the rejected increment(${bad}) the value is ${c.value()}, expected 5`,
        );
      }
      holds(
        ctx,
        "value is the sum of the entries",
        fc.property(gSpec, amounts, (s, incs) => {
          const x = buildG(ctx, s);
          const before = entries(x);
          for (const k of incs) x.increment(k);
          const after = entries(x);
          const expected = { ...before, [s.id]: (before[s.id] ?? 0) + incs.reduce((a, b) => a + b, 0) };
          law(
            sameEntries(after, expected),
            () =>
              `${showSpec(s)} after increment(${incs.join("), increment(")}) has entries ${show(after)}, expected ${show(expected)} (only "${s.id}"'s own entry grows)`,
          );
          const sum = Object.values(after).reduce((a, b) => a + b, 0);
          law(
            x.value() === sum,
            () =>
              `${showSpec(s)} after increment(${incs.join("), increment(")}) has entries ${show(after)} but value() is ${x.value()}, expected their sum ${sum}`,
          );
        }),
      );
      holds(
        ctx,
        "increments after a merge go to the own entry",
        fc.property(gSpec, gSpec, fc.integer({ min: 1, max: 5 }), (a, b, k) => {
          const m = buildG(ctx, a).merge(buildG(ctx, b));
          const before = entries(m);
          m.increment(k);
          const after = entries(m);
          const expected = { ...before, [a.id]: (before[a.id] ?? 0) + k };
          law(
            sameEntries(after, expected),
            () =>
              `m = ${showSpec(a)}.merge(${showSpec(b)}) is ${show(before)}; after m.increment(${k}) it is ${show(after)}, expected ${show(expected)}: the merged counter must still belong to "${a.id}"`,
          );
        }),
      );
    },
  },
  {
    part: "A",
    name: "merge is commutative",
    points: 4,
    seeds: 3,
    hints: [
      "Gossip arrives in any order, so a.merge(b) and b.merge(a) must hold the same entries.",
      "Take, for every replica known to either side, the maximum of the two entries; do not prefer one side's entries or totals.",
    ],
    run(ctx) {
      holds(
        ctx,
        "merge is commutative",
        fc.property(gSpec, gSpec, (a, b) => {
          const ab = entries(buildG(ctx, a).merge(buildG(ctx, b)));
          const ba = entries(buildG(ctx, b).merge(buildG(ctx, a)));
          law(
            sameEntries(ab, ba),
            () =>
              `with a = ${showSpec(a)} and b = ${showSpec(b)}: a.merge(b) = ${show(ab)} but b.merge(a) = ${show(ba)}`,
          );
        }),
      );
    },
  },
  {
    part: "A",
    name: "merge is associative",
    points: 4,
    seeds: 3,
    hints: [
      "A replica may hear from b and c in any grouping: (a ⊔ b) ⊔ c must equal a ⊔ (b ⊔ c).",
      "An entry-wise maximum is associative; sums, totals or dropped entries are not.",
    ],
    run(ctx) {
      holds(
        ctx,
        "merge is associative",
        fc.property(gSpec, gSpec, gSpec, (a, b, c) => {
          const left = entries(buildG(ctx, a).merge(buildG(ctx, b)).merge(buildG(ctx, c)));
          const right = entries(buildG(ctx, a).merge(buildG(ctx, b).merge(buildG(ctx, c))));
          law(
            sameEntries(left, right),
            () =>
              `with a = ${showSpec(a)}, b = ${showSpec(b)}, c = ${showSpec(c)}: (a.merge(b)).merge(c) = ${show(left)} but a.merge(b.merge(c)) = ${show(right)}`,
          );
        }),
      );
    },
  },
  {
    part: "A",
    name: "merge is idempotent",
    points: 4,
    seeds: 3,
    hints: [
      "The network duplicates gossip: merging the same state twice must change nothing the second time.",
      "a.merge(a) must equal a. If your merge adds entries together, every duplicate counts the increments again: take the maximum instead.",
    ],
    run(ctx) {
      holds(
        ctx,
        "merge is idempotent",
        fc.property(gSpec, gSpec, (a, b) => {
          const aa = entries(buildG(ctx, a).merge(buildG(ctx, a)));
          law(
            sameEntries(aa, entries(buildG(ctx, a))),
            () => `with a = ${showSpec(a)}: a.merge(a) = ${show(aa)}, expected a itself`,
          );
          const once = buildG(ctx, a).merge(buildG(ctx, b));
          const twice = entries(once.merge(buildG(ctx, b)));
          law(
            sameEntries(twice, entries(once)),
            () =>
              `with a = ${showSpec(a)} and b = ${showSpec(b)}: a.merge(b) = ${show(entries(once))} but merging b again gives ${show(twice)} (a duplicated gossip changed the state)`,
          );
        }),
      );
    },
  },
  {
    part: "A",
    name: "increments and merges are inflations",
    points: 5,
    seeds: 3,
    hints: [
      "The state may only move up the order: every entry after an increment or a merge is >= what it was.",
      "a.merge(b) must be >= a AND >= b entry by entry, and no larger than needed: exactly the entry-wise maximum. Picking the counter with the larger total loses the other side's larger entries.",
    ],
    run(ctx) {
      holds(
        ctx,
        "merge is the least upper bound",
        fc.property(gSpec, gSpec, (a, b) => {
          const ea = entries(buildG(ctx, a));
          const eb = entries(buildG(ctx, b));
          const m = entries(buildG(ctx, a).merge(buildG(ctx, b)));
          law(
            leq(ea, m),
            () =>
              `with a = ${showSpec(a)} and b = ${showSpec(b)}: a.merge(b) = ${show(m)} is not >= a (an entry of a went down)`,
          );
          law(
            leq(eb, m),
            () =>
              `with a = ${showSpec(a)} and b = ${showSpec(b)}: a.merge(b) = ${show(m)} is not >= b (an entry of b was lost)`,
          );
          const lub = maxOf(ea, eb);
          law(
            sameEntries(m, lub),
            () =>
              `with a = ${showSpec(a)} and b = ${showSpec(b)}: a.merge(b) = ${show(m)}, but the least upper bound is ${show(lub)}`,
          );
        }),
      );
      holds(
        ctx,
        "an increment is an inflation",
        fc.property(gSpec, fc.integer({ min: 1, max: 5 }), (s, k) => {
          const x = buildG(ctx, s);
          const before = entries(x);
          x.increment(k);
          const after = entries(x);
          law(
            leq(before, after) && !sameEntries(before, after),
            () =>
              `${showSpec(s)}.increment(${k}) went from ${show(before)} to ${show(after)}, which is not strictly above it`,
          );
        }),
      );
    },
  },
  {
    part: "A",
    name: "merge does not mutate its inputs",
    points: 3,
    seeds: 3,
    hints: [
      "merge returns a new counter: after m = a.merge(b), a and b hold exactly what they held before.",
      "Do not accumulate into other's map, and do not hand the result a reference to a map of a or b: copy entries into the fresh counter's own Map.",
    ],
    run(ctx) {
      holds(
        ctx,
        "merge does not mutate its inputs",
        fc.property(gSpec, gSpec, (a, b) => {
          const ca = buildG(ctx, a);
          const cb = buildG(ctx, b);
          const ea = entries(ca);
          const eb = entries(cb);
          const m = ca.merge(cb);
          law(
            sameEntries(entries(ca), ea),
            () => `a = ${showSpec(a)} became ${show(entries(ca))} after a.merge(b) with b = ${showSpec(b)}`,
          );
          law(
            sameEntries(entries(cb), eb),
            () => `b = ${showSpec(b)} became ${show(entries(cb))} after a.merge(b) with a = ${showSpec(a)}`,
          );
          const em = entries(m);
          m.increment(3);
          law(
            sameEntries(entries(ca), ea) && sameEntries(entries(cb), eb),
            () =>
              `with a = ${showSpec(a)} and b = ${showSpec(b)}: incrementing m = a.merge(b) changed a to ${show(entries(ca))} or b to ${show(entries(cb))} (the result shares state with an input)`,
          );
          const em2 = entries(m);
          ca.increment(1);
          cb.increment(1);
          law(
            sameEntries(entries(m), em2),
            () =>
              `with a = ${showSpec(a)} and b = ${showSpec(b)}: incrementing a or b after m = a.merge(b) changed m from ${show(em2)} to ${show(entries(m))} (m shares state with an input; it was ${show(em)} right after the merge)`,
          );
        }),
      );
    },
  },
  {
    part: "A",
    name: "entries unknown locally are kept",
    points: 2,
    seeds: 3,
    hints: [
      "When b knows a replica that a has never heard of, a.merge(b) must keep b's entry: those are increments made elsewhere.",
      "Loop over the replicas of both counters (the union of the keys), not only over this counter's own keys.",
    ],
    run(ctx) {
      holds(
        ctx,
        "entries unknown locally are kept",
        fc.property(gSpec, gSpec, (a, b) => {
          const ea = entries(buildG(ctx, a));
          const eb = entries(buildG(ctx, b));
          const m = entries(buildG(ctx, a).merge(buildG(ctx, b)));
          for (const r of REPLICAS) {
            if ((ea[r] ?? 0) === 0 && (eb[r] ?? 0) > 0) {
              law(
                m[r] === eb[r],
                () =>
                  `a = ${showSpec(a)} has no entry for "${r}", b = ${showSpec(b)} has ${r}: ${eb[r]}, but a.merge(b) = ${show(m)} has ${r}: ${m[r]}`,
              );
            }
          }
        }),
      );
    },
  },
  {
    part: "A",
    name: "serialization round trip",
    points: 2,
    seeds: 3,
    hints: [
      "toJSON returns a fresh plain object { replica: count }; fromJSON(id, state) rebuilds a counter with the same entries.",
      'fromJSON receives data from the network: throw on anything that is not an object of non-negative integers, e.g. { a: -1 } or { a: "3" } or null.',
    ],
    run(ctx) {
      const G = ctx.impl.GCounter;
      holds(
        ctx,
        "toJSON and fromJSON round-trip",
        fc.property(gSpec, fc.constantFrom(...REPLICAS), (s, other) => {
          const c = buildG(ctx, s);
          const json = c.toJSON();
          law(
            typeof json === "object" && json !== null && !Array.isArray(json),
            () => `${showSpec(s)}.toJSON() returned ${JSON.stringify(json)}, expected a plain object`,
          );
          const back = G.fromJSON(other, JSON.parse(JSON.stringify(json)));
          law(
            sameEntries(entries(back), entries(c)) && back.value() === c.value(),
            () =>
              `${showSpec(s)}.toJSON() is ${JSON.stringify(json)}; fromJSON("${other}", it) has entries ${show(entries(back))} and value ${back.value()}, expected ${show(entries(c))} and ${c.value()}`,
          );
          const before = entries(c);
          (json as Record<string, number>).a = 999;
          law(
            sameEntries(entries(c), before),
            () =>
              `changing the object returned by ${showSpec(s)}.toJSON() changed the counter to ${show(entries(c))}: return a copy`,
          );
        }),
      );
      const bad: Array<[string, unknown]> = [
        ["{ a: -1 }", { a: -1 }],
        ["{ a: 1.5 }", { a: 1.5 }],
        ['{ a: "3" }', { a: "3" }],
        ["null", null],
        ["[1, 2]", [1, 2]],
        ["5", 5],
        ["true", true],
        ['"abc"', "abc"],
      ];
      for (const [text, state] of bad) {
        const err = thrown(() => G.fromJSON("a", state as never));
        ctx.check(
          err !== undefined,
          "fromJSON rejects malformed states",
          `GCounter.fromJSON("a", ${text}) was accepted; a state from the network must be an object of non-negative integers`,
        );
      }
      // An entry of 0 is a valid state (a replica that has not counted yet).
      const zeroErr = thrown(() => G.fromJSON("a", { a: 2, b: 0 }));
      ctx.check(
        zeroErr === undefined,
        "fromJSON accepts entries of 0",
        () => `GCounter.fromJSON("a", { a: 2, b: 0 }) threw ${String(zeroErr)}; 0 is a non-negative integer`,
      );
    },
  },
];
