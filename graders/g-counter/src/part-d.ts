/** Part D: the PN-Counter: the same laws and the same convergence, now with decrements. */
import fc from "fast-check";
import type { Scenario } from "@faultline/grading";
import { buildPN, holds, law, pnSpec, pnState, samePN, showPN, showPNState, thrown, type L } from "./props.ts";
import {
  CONVERGENCE_BOUND_MS,
  finalReads,
  History,
  nodeFaults,
  oneAnswerPerAdd,
  reportCost,
  requireConvergence,
  runClients,
  runUntilSettled,
  watchAddAnswers,
  watchBounds,
  type Sim,
} from "./cluster.ts";

const signedOps = fc.array(
  fc.integer({ min: -5, max: 5 }).filter((x) => x !== 0),
  { minLength: 1, maxLength: 5 },
);
const showOps = (ops: readonly number[]) => ops.map((d) => (d > 0 ? `increment(${d})` : `decrement(${-d})`)).join(", ");

export const partD: Array<Scenario<L>> = [
  {
    part: "D",
    name: "PN-Counter increments and decrements",
    points: 5,
    seeds: 3,
    hints: [
      "value() is value(P) - value(N): increments grow P, decrements grow N. The value may go below zero.",
      "Both increment and decrement take a non-negative whole amount; reject anything else with a RangeError and change nothing.",
    ],
    run(ctx) {
      const PN = ctx.impl.PNCounter;
      const c = new PN("n1");
      c.increment(5);
      c.decrement(2);
      ctx.check(
        c.value() === 3,
        "value is increments minus decrements",
        () => `after increment(5), decrement(2) the value is ${c.value()}, expected 3`,
      );
      c.decrement(4);
      ctx.check(
        c.value() === -1,
        "value is increments minus decrements",
        () => `after increment(5), decrement(2), decrement(4) the value is ${c.value()}, expected -1`,
      );
      for (const [name, f] of [
        ["increment(0)", () => c.increment(0)],
        ["decrement(0)", () => c.decrement(0)],
      ] as const) {
        const err = thrown(f);
        ctx.check(
          err === undefined,
          "an amount of 0 is valid",
          () => `${name} threw ${String(err)}; 0 is a non-negative whole amount: accept it and change nothing`,
        );
        ctx.check(
          c.value() === -1,
          "an amount of 0 changes nothing",
          () => `after ${name} the value is ${c.value()}, expected -1`,
        );
      }
      for (const [name, f] of [
        ["increment(-1)", () => c.increment(-1)],
        ["decrement(-1)", () => c.decrement(-1)],
        ["increment(1.5)", () => c.increment(1.5)],
        ["decrement(NaN)", () => c.decrement(Number.NaN)],
      ] as const) {
        const err = thrown(f);
        ctx.check(err instanceof RangeError, "invalid amounts are rejected", () =>
          err === undefined
            ? `${name} was accepted (value now ${c.value()}): throw a RangeError`
            : `${name} threw ${String(err)}, expected a RangeError`,
        );
        ctx.check(
          c.value() === -1,
          "a rejected update changes nothing",
          () => `after the rejected ${name} the value is ${c.value()}, expected -1`,
        );
      }
      holds(
        ctx,
        "value is increments minus decrements",
        fc.property(pnSpec, signedOps, (s, ops) => {
          const x = buildPN(ctx, s);
          const before = x.value();
          for (const d of ops) {
            if (d > 0) x.increment(d);
            else x.decrement(-d);
          }
          const expected = before + ops.reduce((a, b) => a + b, 0);
          law(
            x.value() === expected,
            () => `${showPN(s)} has value ${before}; after ${showOps(ops)} it reads ${x.value()}, expected ${expected}`,
          );
        }),
      );
    },
  },
  {
    part: "D",
    name: "PN-Counter merge laws",
    points: 7,
    seeds: 3,
    hints: [
      "The pair (P, N) is a join semilattice when both halves are: merge P with P and N with N using GCounter.merge.",
      "A decrement must survive merging an older copy of the same replica. If you keep a single signed count per replica and merge with a maximum, the older, larger count wins and the decrement vanishes: that is why N is a separate grow-only counter.",
    ],
    run(ctx) {
      holds(
        ctx,
        "a decrement survives a merge with an older copy",
        fc.property(pnSpec, signedOps, (s, ops) => {
          const x = buildPN(ctx, s);
          const older = buildPN(ctx, s);
          for (const d of ops) {
            if (d > 0) x.increment(d);
            else x.decrement(-d);
          }
          const m1 = x.merge(older).value();
          const m2 = older.merge(x).value();
          law(
            m1 === x.value() && m2 === x.value(),
            () =>
              `x = ${showPN(s)}; after ${showOps(ops)} x reads ${x.value()}, but x.merge(older copy) reads ${m1} and older.merge(x) reads ${m2}: an update was undone by the merge (it was not an inflation)`,
          );
        }),
      );
      holds(
        ctx,
        "merge is commutative, associative and idempotent",
        fc.property(pnSpec, pnSpec, pnSpec, (a, b, c) => {
          const ab = pnState(buildPN(ctx, a).merge(buildPN(ctx, b)));
          const ba = pnState(buildPN(ctx, b).merge(buildPN(ctx, a)));
          law(
            samePN(ab, ba),
            () =>
              `with a = ${showPN(a)} and b = ${showPN(b)}: a.merge(b) = ${showPNState(ab)} but b.merge(a) = ${showPNState(ba)}`,
          );
          const left = pnState(buildPN(ctx, a).merge(buildPN(ctx, b)).merge(buildPN(ctx, c)));
          const right = pnState(buildPN(ctx, a).merge(buildPN(ctx, b).merge(buildPN(ctx, c))));
          law(
            samePN(left, right),
            () =>
              `with a = ${showPN(a)}, b = ${showPN(b)}, c = ${showPN(c)}: (a.merge(b)).merge(c) = ${showPNState(left)} but a.merge(b.merge(c)) = ${showPNState(right)}`,
          );
          const aa = pnState(buildPN(ctx, a).merge(buildPN(ctx, a)));
          law(
            samePN(aa, pnState(buildPN(ctx, a))),
            () => `with a = ${showPN(a)}: a.merge(a) = ${showPNState(aa)}, expected a itself`,
          );
          const x = buildPN(ctx, a);
          const y = buildPN(ctx, b);
          const sx = pnState(x);
          const sy = pnState(y);
          x.merge(y);
          law(
            samePN(pnState(x), sx) && samePN(pnState(y), sy),
            () =>
              `a.merge(b) changed its inputs: a = ${showPN(a)} became ${showPNState(pnState(x))}, b = ${showPN(b)} became ${showPNState(pnState(y))}`,
          );
        }),
      );
    },
  },
  {
    part: "D",
    name: "PN-Counter nodes converge under faults",
    points: 8,
    seeds: 6,
    hints: [
      'PNCounterNode is GCounterNode with a PNCounter: add with a negative delta decrements by -delta, a fractional delta gets add_error, gossip is { type: "pn_gossip", state }.',
      "Everything from Parts B and C still applies: gossip forever on a timer, persist with sync before add_ok, restore in start(env).",
      "If the replicas agree on a value above the acceptable set, a merge is undoing decrements: check the PN-Counter merge laws first.",
    ],
    async run(ctx) {
      const sim: Sim = ctx.sim({ nodes: 3, clients: 3, factory: () => new ctx.impl.PNCounterNode() });
      nodeFaults(sim, { drop: 0.2, duplicate: 0.2, copies: 2, delayMs: [1, 40] });
      const history = new History(sim);
      watchBounds(sim, history);
      sim.start();
      const [cut, ...rest] = ctx.rng.shuffle(sim.nodeIds);
      const crashed = ctx.rng.pick(rest);
      sim.after(300, "partition", () => sim.partition([cut as string], rest));
      sim.after(800, "crash", () => sim.crash(crashed));
      sim.after(1000, "restart", () => sim.restart(crashed));
      sim.after(1200, "heal", () => sim.heal());
      const done = runClients(sim, history, ctx.rng, {
        adds: 15,
        targets: () => sim.nodeIds.filter((n) => sim.isUp(n)),
        delta: (rng) => (rng.chance(0.5) ? 1 + rng.int(5) : -(1 + rng.int(5))),
        gapMs: [10, 60],
        timeoutMs: 200,
        readChance: 0.2,
      });
      await runUntilSettled(ctx, sim, done, 60_000, "the clients' adds");
      sim.healAll();
      const frac = history.add("c1", "n1", 2.5, 500);
      await runUntilSettled(
        ctx,
        sim,
        frac.then(() => undefined),
        5_000,
        "the fractional add",
      );
      const op = await frac;
      ctx.check(
        op.outcome !== "ok",
        "a fractional delta is refused",
        `add 2.5 sent to n1 got add_ok; answer add_error and change nothing`,
      );
      // On a network that now loses and duplicates nothing, every valid delta is applied and
      // acknowledged: a decrement, an increment and the edge value 0, at each node.
      const reliable = sim.now;
      for (const c of sim.clientIds)
        for (const n of sim.nodeIds)
          for (const [a, b] of [
            [c, n],
            [n, c],
          ] as const)
            sim.setLinkFaults(a, b, { drop: 0, duplicate: 0 });
      const answers = watchAddAnswers(sim);
      const valid = Promise.all(
        sim.nodeIds.flatMap((n, i) => [-(2 + i), 0, 1 + i].map((delta) => history.add("c2", n, delta, 500))),
      );
      await runUntilSettled(
        ctx,
        sim,
        valid.then(() => undefined),
        10_000,
        "the adds on the reliable network",
      );
      for (const v of await valid) {
        ctx.check(
          v.outcome === "ok",
          "a PN-Counter node accepts every whole delta",
          () =>
            `add ${v.delta} sent to ${v.node} on a reliable network got ${v.outcome === "error" ? `add_error (${v.error ?? ""})` : "no answer"}; a PN-Counter node applies a negative delta as a decrement and 0 as nothing, and answers add_ok`,
        );
      }
      oneAnswerPerAdd(
        ctx,
        history.adds.filter((a) => a.sentAt >= reliable),
        answers,
      );
      await requireConvergence(ctx, sim, history, sim.nodeIds, CONVERGENCE_BOUND_MS, "the network healed");
      await finalReads(ctx, sim, history, "c1");
      reportCost(ctx, sim, history);
    },
  },
];
