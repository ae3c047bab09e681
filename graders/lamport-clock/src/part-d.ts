/**
 * Part D: hybrid logical clocks (Kulkarni et al., OPODIS 2014) under skewed, drifting and
 * jumping physical clocks. Every timestamp is checked against the ground-truth
 * happened-before relation and against the node's physical clock at that event.
 */
import type { Scenario } from "@faultline/grading";
import type { NodeId, Simulation } from "@faultline/sim";
import type * as Lab from "@faultline/lab-lamport-clock";
import { StampRecorder, fmtT, type Stamped } from "./recorder.ts";
import { clockCondition, monotonicPerNode } from "./causality.ts";
import type { Ctx, LabModule } from "./common.ts";

/** The synchronization bound of part D (MAX_OFFSET_MS in the README). */
const BOUND_MS = 400;

type Hlc = { l: number; c: number };
const cmpHlc = (a: Hlc, b: Hlc) => (a.l !== b.l ? a.l - b.l : a.c - b.c);
const showHlc = (h: Hlc) => `(${h.l}, ${h.c})`;

function asHlc(v: unknown): Hlc | undefined {
  const h = v as { l?: unknown; c?: unknown } | null | undefined;
  if (typeof h !== "object" || h === null) return undefined;
  if (typeof h.l !== "number" || typeof h.c !== "number" || !Number.isInteger(h.l) || !Number.isInteger(h.c) || h.c < 0)
    return undefined;
  return { l: h.l, c: h.c };
}

/** A run of HlcNodes with every HLC check installed. */
function hlcRun(ctx: Ctx, nodes: number, clocks: Record<NodeId, { offset?: number; drift?: number }>, clients = 0) {
  const sim = ctx.sim<Lab.HlcMsg>({
    nodes,
    clients,
    clocks,
    factory: () => new ctx.impl.HlcNode(),
    faults: { delay: { kind: "uniform", min: 1, max: 20 }, duplicate: 0.05 },
  });
  const rec = new StampRecorder<Hlc>(sim, {
    fromMessage: (m) => asHlc((m as { hlc?: unknown } | null)?.hlc),
    fromNode: (n) => asHlc((n as Lab.HlcNode).clock?.current),
    hook: (n) => `clock.current is ${JSON.stringify((n as Lab.HlcNode).clock?.current) ?? "undefined"}`,
    show: showHlc,
  });
  rec.addCheck("(l, c) increases along each node's history", monotonicPerNode(cmpHlc));
  rec.addCheck(
    "(l, c) increases along happened-before",
    clockCondition(sim.endpoints.length, cmpHlc, "(l, c)(a) < (l, c)(b)"),
  );
  rec.addCheck("l never falls behind physical time", (e, r) => {
    const pt = Math.floor(e.local);
    return e.stamp.l >= pt
      ? undefined
      : `${r.describe(e)} has ${showHlc(e.stamp)}, but ${e.node}'s physical clock read pt=${pt}: l := max(l, ..., pt) keeps l at or above pt`;
  });
  rec.addCheck("l stays within the synchronization bound of pt", (e, r) => {
    const pt = Math.floor(e.local);
    return e.stamp.l - pt <= BOUND_MS
      ? undefined
      : `${r.describe(e)} has l=${e.stamp.l}, ${e.stamp.l - pt} ms ahead of ${e.node}'s physical clock (pt=${pt}); the bound is ${BOUND_MS} ms. A remote timestamp more than maxOffsetMs ahead must be rejected, not adopted.`;
  });
  const perL = new Map<number, number>();
  rec.addCheck("c stays bounded", (e: Stamped<Hlc>, r) => {
    const earlier = perL.get(e.stamp.l) ?? 0;
    perL.set(e.stamp.l, earlier + 1);
    return e.stamp.c <= earlier
      ? undefined
      : `${r.describe(e)} has ${showHlc(e.stamp)}, but only ${earlier} earlier event${earlier === 1 ? "" : "s"} of the run had l=${e.stamp.l}: c counts the events since l last changed, so it must restart at 0 whenever l moves forward`;
  });
  /**
   * A timestamp that enters the run from outside (a forged message with c = 0) accounts for
   * two events at its l: its own send and the receive that may adopt it (deliveries from
   * clients are not stamped, because a rejected one is not an event of the application).
   */
  const external = (l: number) => perL.set(l, (perL.get(l) ?? 0) + 2);
  // A client's message that is accepted below the receiver's l still ticks c at that l: count it
  // there too (read before the handler runs).
  const nodeSet = new Set<string>(sim.nodeIds);
  sim.onEvent((e) => {
    if (e.kind !== "deliver" || nodeSet.has(e.peer ?? "") || !nodeSet.has(e.node)) return;
    const h = asHlc(sim.node<Lab.HlcNode>(e.node as NodeId)?.clock?.current);
    if (h !== undefined) perL.set(h.l, (perL.get(h.l) ?? 0) + 1);
  });
  return { sim, rec, external };
}

function finish(ctx: Ctx, rec: StampRecorder<Hlc>, minReceives: number): void {
  const f = rec.firstFailure();
  if (f) ctx.fail(f.invariant, f.message);
  const receives = rec.count("receive");
  ctx.check(
    receives >= minReceives,
    "the workload ran",
    `only ${receives} receive events were timestamped (expected at least ${minReceives}): is the given onTimer workload intact, and are messages from peers accepted?`,
  );
}

/** Offsets within ±maxOffset ms and drift within ±maxDrift, drawn from the scenario's stream. */
function skewedClocks(ctx: Ctx, nodes: number, maxOffset: number, maxDrift: number) {
  const clocks: Record<NodeId, { offset: number; drift: number }> = {};
  for (let i = 1; i <= nodes; i++) {
    clocks[`n${i}`] = {
      offset: 1000 + Math.round(ctx.rng.range(-maxOffset, maxOffset)),
      drift: Math.round(ctx.rng.range(-maxDrift, maxDrift) * 1000) / 1000,
    };
  }
  return clocks;
}

export const partD: ReadonlyArray<Scenario<LabModule>> = [
  {
    part: "D",
    name: "hybrid clock rules",
    points: 5,
    seeds: 1,
    hints: [
      "Follow the two rules in the doc comment of src/hlc.ts line by line; pt is given as an argument.",
      "tick: l' = max(l, pt); c = l' === l ? c + 1 : 0. receive: l' = max(l, lm, pt) and four cases for c.",
      "Check rejection first: remote.l > pt + maxOffsetMs returns null and changes nothing.",
    ],
    run(ctx) {
      const { HybridClock, compareHlc } = ctx.impl;
      const eq = (got: unknown, want: Hlc | null, call: string, rule: string) =>
        ctx.check(
          want === null ? got === null : asHlc(got) !== undefined && cmpHlc(asHlc(got) as Hlc, want) === 0,
          rule,
          () =>
            `${call} returned ${JSON.stringify(got)}; expected ${want === null ? "null (rejected)" : JSON.stringify(want)}`,
        );
      const h = new HybridClock(100);
      eq(h.tick(10), { l: 10, c: 0 }, "at (0, 0): tick(10)", "physical time moves l forward and resets c");
      eq(h.tick(10), { l: 10, c: 1 }, "at (10, 0): tick(10)", "c counts events at the same l");
      eq(h.tick(8), { l: 10, c: 2 }, "at (10, 1): tick(8)", "l never goes back when pt does");
      eq(h.tick(12), { l: 12, c: 0 }, "at (10, 2): tick(12)", "physical time moves l forward and resets c");
      eq(
        h.receive({ l: 20, c: 3 }, 13),
        { l: 20, c: 4 },
        "at (12, 0): receive((20, 3), pt 13)",
        "a later remote l is adopted with its c + 1",
      );
      eq(
        h.receive({ l: 20, c: 1 }, 14),
        { l: 20, c: 5 },
        "at (20, 4): receive((20, 1), pt 14)",
        "equal l: c = max(c, cm) + 1",
      );
      eq(
        h.receive({ l: 20, c: 9 }, 15),
        { l: 20, c: 10 },
        "at (20, 5): receive((20, 9), pt 15)",
        "equal l: c = max(c, cm) + 1",
      );
      eq(
        h.receive({ l: 18, c: 7 }, 16),
        { l: 20, c: 11 },
        "at (20, 10): receive((18, 7), pt 16)",
        "an older remote timestamp only adds 1 to c",
      );
      eq(
        h.receive({ l: 25, c: 2 }, 30),
        { l: 30, c: 0 },
        "at (20, 11): receive((25, 2), pt 30)",
        "physical time ahead of both: l = pt, c = 0",
      );
      eq(
        h.receive({ l: 131, c: 0 }, 30),
        null,
        "at (30, 0) with maxOffsetMs 100: receive((131, 0), pt 30)",
        "a timestamp beyond the bound is rejected",
      );
      eq(h.current, { l: 30, c: 0 }, "after the rejection, current", "a rejected timestamp leaves the clock unchanged");
      eq(
        h.receive({ l: 130, c: 4 }, 30),
        { l: 130, c: 5 },
        "at (30, 0) with maxOffsetMs 100: receive((130, 4), pt 30)",
        "a timestamp at the bound is accepted",
      );
      const cases: Array<[Hlc, Hlc, number]> = [
        [{ l: 1, c: 9 }, { l: 2, c: 0 }, -1],
        [{ l: 2, c: 0 }, { l: 1, c: 9 }, 1],
        [{ l: 5, c: 1 }, { l: 5, c: 2 }, -1],
        [{ l: 5, c: 2 }, { l: 5, c: 2 }, 0],
      ];
      for (const [a, b, want] of cases) {
        const got = compareHlc(a, b);
        ctx.check(
          Math.sign(got) === want,
          "timestamps compare by l, then c",
          `compareHlc(${JSON.stringify(a)}, ${JSON.stringify(b)}) returned ${got}; expected ${want < 0 ? "a negative number" : want > 0 ? "a positive number" : "0"}`,
        );
      }
      // A random walk against the rules.
      const model = { l: 0, c: 0 };
      const clock = new HybridClock(BOUND_MS);
      let pt = 100;
      for (let i = 0; i < 300; i++) {
        pt += ctx.rng.int(5) - 1;
        if (ctx.rng.chance(0.5)) {
          const l = Math.max(model.l, pt);
          model.c = l === model.l ? model.c + 1 : 0;
          model.l = l;
          eq(clock.tick(pt), { ...model }, `step ${i}: tick(${pt})`, "the send/local rule");
        } else {
          const m = { l: pt - 5 + ctx.rng.int(12), c: ctx.rng.int(4) };
          const l = Math.max(model.l, m.l, pt);
          model.c =
            l === model.l && l === m.l
              ? Math.max(model.c, m.c) + 1
              : l === model.l
                ? model.c + 1
                : l === m.l
                  ? m.c + 1
                  : 0;
          model.l = l;
          eq(clock.receive(m, pt), { ...model }, `step ${i}: receive(${JSON.stringify(m)}, ${pt})`, "the receive rule");
        }
      }
    },
  },
  {
    part: "D",
    name: "hlc under skewed and drifting clocks",
    points: 6,
    seeds: 5,
    hints: [
      "Physical clocks disagree by up to about 170 ms and run at slightly different rates. Your timestamps must still increase along every chain of events and messages.",
      "Physical time alone cannot order a message from a fast clock to a slow one: l must take the max with the message's l, and c breaks ties.",
      "When l moves forward (to pt or to the message's l), c restarts at 0 (or at cm + 1 when it came from the message); only when l stays put does c grow.",
    ],
    async run(ctx) {
      const { sim, rec } = hlcRun(ctx, 5, skewedClocks(ctx, 5, 60, 0.02));
      await sim.runFor(1200);
      finish(ctx, rec, 150);
      ctx.metric("largest c", Math.max(0, ...rec.all.map((e) => e.stamp.c)));
      ctx.metric("largest l - pt", Math.max(0, ...rec.all.map((e) => e.stamp.l - Math.floor(e.local))), "ms");
    },
  },
  {
    part: "D",
    name: "hlc when physical clocks jump backwards",
    points: 5,
    seeds: 5,
    hints: [
      "Here a node's physical clock sometimes jumps back by up to 200 ms (and is corrected later). Its timestamps must not go back with it.",
      "l is the max of the old l and pt, so a backward jump of pt leaves l where it was and c counts on.",
      "Never set l to pt directly; never let c restart when l did not move.",
    ],
    async run(ctx) {
      const { sim, rec } = hlcRun(ctx, 4, skewedClocks(ctx, 4, 20, 0.005));
      scheduleJumps(ctx, sim, 1200);
      await sim.runFor(1200);
      finish(ctx, rec, 120);
    },
  },
  {
    part: "D",
    name: "hlc rejects timestamps from the far future",
    points: 4,
    seeds: 5,
    hints: [
      "A client sends forged messages whose l is far ahead of the receiver's physical clock, and some only slightly ahead.",
      "A remote l more than maxOffsetMs (400 ms) ahead of pt is rejected: receive returns null, the clock is unchanged, the node ignores the message.",
      "A remote l within the bound must be accepted like any other message: reject only when remote.l > pt + maxOffsetMs.",
    ],
    async run(ctx) {
      const { sim, rec, external } = hlcRun(ctx, 4, skewedClocks(ctx, 4, 30, 0.005), 1);
      const c1 = sim.client("c1");
      for (const n of sim.nodeIds)
        sim.setLinkFaults("c1", n, { drop: 0, duplicate: 0, delay: { kind: "constant", ms: 1 } });
      // Forged timestamps: far beyond the bound (must be rejected) or within it (must be accepted).
      const accepted: Array<{ node: NodeId; l: number; t: number }> = [];
      let forged = 0;
      const forge = () => {
        const node = sim.nodeIds[ctx.rng.int(sim.nodeIds.length)] as NodeId;
        const pt = Math.floor(sim.localTime(node));
        const far = ctx.rng.chance(0.7);
        const l = far ? pt + 1 + BOUND_MS + 50 + ctx.rng.int(5000) : pt + 20 + ctx.rng.int(BOUND_MS - 150);
        c1.send(node, { type: "hello", hlc: { l, c: 0 } });
        external(l);
        forged++;
        if (!far) accepted.push({ node, l, t: sim.now + 1 });
        if (sim.now < 1000) sim.after(15 + ctx.rng.int(30), "forge a timestamp", forge);
      };
      sim.at(30, "forge a timestamp", forge);
      sim.addInvariant("a timestamp within the bound is accepted", () => {
        // Strictly after the delivery time: another event at that same instant may come first.
        const due = accepted.filter((a) => a.t < sim.now);
        for (const a of due) {
          const h = asHlc(sim.node<Lab.HlcNode>(a.node)?.clock?.current);
          if (h !== undefined && h.l < a.l)
            return `${a.node} received l=${a.l} at t=${fmtT(a.t)} ms, within ${BOUND_MS} ms of its physical clock, but its clock is ${showHlc(h)}: only timestamps beyond pt + maxOffsetMs are rejected`;
        }
        accepted.splice(0, accepted.length, ...accepted.filter((a) => a.t >= sim.now));
        return undefined;
      });
      await sim.runFor(1200);
      finish(ctx, rec, 120);
      ctx.metric("forged timestamps", forged);
    },
  },
];

/** Every 100-200 ms a node's clock jumps back 50-200 ms; 60-150 ms later it is corrected. */
function scheduleJumps(ctx: Ctx, sim: Simulation<Lab.HlcMsg>, until: number): void {
  const jumped = new Set<NodeId>();
  const step = () => {
    const candidates = sim.nodeIds.filter((n) => !jumped.has(n));
    if (candidates.length > 0) {
      const victim = candidates[ctx.rng.int(candidates.length)] as NodeId;
      const back = 50 + ctx.rng.int(151);
      jumped.add(victim);
      sim.clockJump(victim, -back);
      sim.after(60 + ctx.rng.int(91), `correct ${victim}'s clock`, () => {
        sim.clockJump(victim, back);
        jumped.delete(victim);
      });
    }
    const next = sim.now + 100 + ctx.rng.int(101);
    if (next < until - 200) sim.at(next, "clock jump", step);
  };
  sim.at(60 + ctx.rng.int(60), "clock jump", step);
}
