/**
 * Part A: Lamport clocks. The clock rules on their own, then the clock condition on every
 * happened-before pair of real runs (reliable, reordering and duplicating, crashing), then
 * Lamport's total order with its tie-break by node number.
 */
import type { Scenario } from "@faultline/grading";
import type { Delay, LinkFaults, Simulation } from "@faultline/sim";
import type * as Lab from "@faultline/lab-lamport-clock";
import { checkClockCondition } from "@faultline/check";
import { StampRecorder, type Stamped } from "./recorder.ts";
import { clockCondition, monotonicPerNode } from "./causality.ts";
import { order, sign, type Ctx, type LabModule } from "./common.ts";

const byNumber = (a: number, b: number) => a - b;

/** A run of LamportNodes with the clock checks installed. */
function lamportRun(ctx: Ctx, nodes: number, faults: Partial<LinkFaults>) {
  const sim = ctx.sim<Lab.LamportMsg>({ nodes, factory: () => new ctx.impl.LamportNode(), faults });
  const rec = new StampRecorder<number>(sim, {
    fromMessage: (m) => {
      const ts = (m as { ts?: unknown } | null)?.ts;
      return typeof ts === "number" && Number.isFinite(ts) ? ts : undefined;
    },
    fromNode: (n) => {
      const t = (n as Lab.LamportNode).clock?.time;
      return typeof t === "number" && Number.isFinite(t) ? t : undefined;
    },
    hook: (n) => `clock.time is ${JSON.stringify((n as Lab.LamportNode).clock?.time) ?? "undefined"}`,
    show: String,
  });
  rec.addCheck("clock is monotonic per node", monotonicPerNode(byNumber));
  rec.addCheck("clock condition", clockCondition(sim.endpoints.length, byNumber, "C(a) < C(b)"));
  return { sim, rec };
}

/** The run must really have exchanged messages (the given workload is intact). */
function workloadRan(ctx: Ctx, rec: StampRecorder<number>, minReceives: number): void {
  const receives = rec.count("receive");
  ctx.check(
    receives >= minReceives,
    "the workload ran",
    `only ${receives} receive events were timestamped (expected at least ${minReceives}): is the given onTimer workload intact, and does onMessage run for every message?`,
  );
}

function finish(ctx: Ctx, rec: StampRecorder<number>): void {
  const f = rec.firstFailure();
  if (f) ctx.fail(f.invariant, f.message);
  // The same rule once more, pair by pair, with the shared checker of @faultline/check: an
  // independent check of the incremental one above, which stops the run at the first violation.
  const events = rec.all.map((e, id) => ({ id, vc: e.vc }));
  const r = checkClockCondition(events, (e) => (rec.all[e.id as number] as Stamped<number>).stamp);
  if (!r.ok) {
    const v = r.violations[0];
    const a = v && rec.all[v.before as number];
    const b = v && rec.all[v.after as number];
    ctx.fail(
      "clock condition",
      a && b
        ? `${rec.describe(b)} has timestamp ${b.stamp}, but it happened after ${rec.describe(a)} with timestamp ${a.stamp}: a -> b needs C(a) < C(b)`
        : r.message,
    );
  }
  ctx.metric("happened-before pairs checked", r.pairs);
}

const REORDER: Delay = {
  kind: "longTail",
  base: { kind: "uniform", min: 1, max: 20 },
  tailProbability: 0.1,
  tailMs: 150,
};

export const partA: ReadonlyArray<Scenario<LabModule>> = [
  {
    part: "A",
    name: "lamport clock rules",
    points: 5,
    seeds: 3,
    hints: [
      "Each rule is one line. Read IR1 and IR2 in the doc comment of src/lamport.ts.",
      "tick and send both add 1 and return the new value; receive(remote) sets the clock to max(own, remote) + 1.",
      "compareNodeIds compares Number(id.slice(1)); compareStamps compares time first and calls compareNodeIds only on a tie.",
    ],
    run(ctx) {
      const { LamportClock, compareNodeIds, compareStamps } = ctx.impl;
      const c = new LamportClock();
      ctx.check(c.time === 0, "a fresh clock reads 0", `new LamportClock().time is ${c.time}`);
      let r = c.tick();
      ctx.check(
        r === 1 && c.time === 1,
        "tick adds 1 (IR1)",
        `the first tick() of a fresh clock returned ${r} (time ${c.time}); expected 1`,
      );
      r = c.send();
      ctx.check(
        r === 2 && c.time === 2,
        "send is an event (IR1, IR2a)",
        `send() after one tick returned ${r} (time ${c.time}); expected 2: a send is an event, so the clock moves before the message takes its value`,
      );
      r = c.receive(10);
      ctx.check(
        r === 11 && c.time === 11,
        "receive goes past the message (IR2b)",
        `at 2, receive(10) returned ${r} (time ${c.time}); expected 11: later than both the clock and the message's timestamp`,
      );
      r = c.receive(4);
      ctx.check(
        r === 12 && c.time === 12,
        "receive is an event too",
        `at 11, receive(4) returned ${r} (time ${c.time}); expected 12: an old timestamp never moves the clock back, and the receive still counts as an event`,
      );
      r = c.receive(12);
      ctx.check(r === 13, "receive goes past the message (IR2b)", `at 12, receive(12) returned ${r}; expected 13`);
      const resumed = new LamportClock(41);
      r = resumed.tick();
      ctx.check(
        r === 42,
        "a clock resumes from its start value",
        `new LamportClock(41).tick() returned ${r}; expected 42`,
      );

      // A random sequence against the rules.
      const model = { t: 0 };
      const clock = new LamportClock();
      for (let i = 0; i < 200; i++) {
        const op = ctx.rng.int(3);
        if (op === 0) {
          model.t += 1;
          const got = clock.tick();
          ctx.check(got === model.t, "tick adds 1 (IR1)", `step ${i}: tick() returned ${got}; expected ${model.t}`);
        } else if (op === 1) {
          model.t += 1;
          const got = clock.send();
          ctx.check(
            got === model.t,
            "send is an event (IR1, IR2a)",
            `step ${i}: send() returned ${got}; expected ${model.t}`,
          );
        } else {
          const remote = ctx.rng.int(model.t + 20);
          const before = model.t;
          model.t = Math.max(model.t, remote) + 1;
          const got = clock.receive(remote);
          ctx.check(
            got === model.t,
            "receive goes past the message (IR2b)",
            `step ${i}: at ${before}, receive(${remote}) returned ${got}; expected ${model.t}`,
          );
        }
      }

      const ids = ["n1", "n2", "n3", "n9", "n10", "n11", "n12", "n20", "n100"];
      for (const [i, a] of ids.entries()) {
        for (const [j, b] of ids.entries()) {
          const got = sign(compareNodeIds(a, b));
          ctx.check(
            got === sign(i - j),
            "node ids are ordered by number",
            `compareNodeIds("${a}", "${b}") returned ${order(compareNodeIds(a, b))}; expected ${order(i - j)} (${i === j ? "same id" : i < j ? `${a} comes before ${b}` : `${b} comes before ${a}`}: ids are ordered by their number, not as strings)`,
          );
        }
      }
      const cases: Array<[Lab.Stamp, Lab.Stamp, number]> = [
        [{ time: 5, node: "n3" }, { time: 6, node: "n1" }, -1],
        [{ time: 6, node: "n1" }, { time: 5, node: "n3" }, 1],
        [{ time: 6, node: "n2" }, { time: 6, node: "n10" }, -1],
        [{ time: 6, node: "n10" }, { time: 6, node: "n2" }, 1],
        [{ time: 9, node: "n12" }, { time: 10, node: "n1" }, -1],
        [{ time: 7, node: "n4" }, { time: 7, node: "n4" }, 0],
      ];
      for (const [a, b, want] of cases) {
        const got = compareStamps(a, b);
        ctx.check(
          sign(got) === want,
          "total order: time first, then node number",
          `compareStamps(${JSON.stringify(a)}, ${JSON.stringify(b)}) returned ${order(got)}; expected ${order(want)}`,
        );
      }
    },
  },
  {
    part: "A",
    name: "clock condition on a reliable network",
    points: 6,
    seeds: 5,
    hints: [
      "For every pair of events a -> b of the run, your timestamps must satisfy C(a) < C(b). The message names both events.",
      "Check each path: local event (tick), send (tick, then the message carries the new value), receive (max + 1).",
      "If a receive has the same timestamp as its send, the +1 is missing after the max; if two events of one node share a timestamp, a send or local event does not tick.",
    ],
    async run(ctx) {
      const { sim, rec } = lamportRun(ctx, 5, {});
      await sim.runFor(800);
      finish(ctx, rec);
      workloadRan(ctx, rec, 100);
      ctx.metric("timestamped events", rec.all.length);
    },
  },
  {
    part: "A",
    name: "clock condition under reordering and duplication",
    points: 6,
    seeds: 5,
    hints: [
      "Messages now arrive late, twice, or out of order. A receive must still be later than the message it receives and than everything before it on the node.",
      "An old message (a small timestamp) arriving late must never move the clock back: take the max with the present value.",
      "receive(remote) = max(time, remote) + 1; max(time + 1, remote) is not the same when remote is larger.",
    ],
    async run(ctx) {
      const { sim, rec } = lamportRun(ctx, 6, { drop: 0.1, duplicate: 0.2, delay: REORDER });
      await sim.runFor(1000);
      finish(ctx, rec);
      workloadRan(ctx, rec, 150);
    },
  },
  {
    part: "A",
    name: "clock never goes backwards across crashes",
    points: 7,
    seeds: 5,
    hints: [
      "Nodes crash and restart here; a restarted node is a fresh instance and only what it synced to env.disk survives.",
      "Save the clock with env.disk.write and env.disk.sync() after every event (before the message leaves, for a send), and read it back in restore().",
      "A timestamp given before a crash must never be given again: restore() builds new LamportClock(saved ?? 0), and persist() must sync, or the write is lost in the crash.",
    ],
    async run(ctx) {
      const { sim, rec } = lamportRun(ctx, 5, { drop: 0.05, delay: { kind: "uniform", min: 1, max: 15 } });
      scheduleCrashes(ctx, sim, 1500);
      await sim.runFor(1500);
      finish(ctx, rec);
      workloadRan(ctx, rec, 150);
      const restarts = [...rec.restarts.values()].reduce((a, r) => a + r.length, 0);
      ctx.metric("restarts", restarts);
    },
  },
  {
    part: "A",
    name: "total order breaks ties by node number",
    points: 6,
    seeds: 3,
    hints: [
      "Twelve nodes, n1 to n12. Many events share a timestamp; compareStamps must order them by node number.",
      'As strings, "n10" < "n2"; the lab\'s order is by number: n2 before n10.',
      "compareNodeIds(a, b) = Number(a.slice(1)) - Number(b.slice(1)); compareStamps uses it only when the times are equal.",
    ],
    async run(ctx) {
      const { sim, rec } = lamportRun(ctx, 12, { delay: { kind: "uniform", min: 1, max: 10 } });
      await sim.runFor(300);
      finish(ctx, rec);
      workloadRan(ctx, rec, 100);
      const { compareStamps } = ctx.impl;
      const num = (id: string) => Number(id.slice(1));
      const stamps = rec.all.map((e) => ({ time: e.stamp, node: e.node }));
      const groups = new Map<number, Set<string>>();
      for (const s of stamps) {
        const g = groups.get(s.time) ?? new Set<string>();
        g.add(s.node);
        groups.set(s.time, g);
      }
      let ties = 0;
      for (const [time, nodes] of [...groups].sort((a, b) => a[0] - b[0])) {
        const list = [...nodes];
        for (const a of list) {
          for (const b of list) {
            if (a === b) continue;
            ties++;
            const got = compareStamps({ time, node: a }, { time, node: b });
            const want = num(a) - num(b);
            ctx.check(
              sign(got) === sign(want),
              "total order: time first, then node number",
              () =>
                `events of ${a} and ${b} both have timestamp ${time}; compareStamps({"time":${time},"node":"${a}"}, {"time":${time},"node":"${b}"}) returned ${order(got)}, but ${want < 0 ? a : b} comes first: ties are broken by node number`,
            );
          }
        }
      }
      const times = [...groups.keys()].sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) {
        const lo = {
          time: times[i - 1] as number,
          node: [...(groups.get(times[i - 1] as number) as Set<string>)].sort((a, b) => num(b) - num(a))[0] as string,
        };
        const hi = {
          time: times[i] as number,
          node: [...(groups.get(times[i] as number) as Set<string>)].sort((a, b) => num(a) - num(b))[0] as string,
        };
        const got = compareStamps(lo, hi);
        ctx.check(
          sign(got) < 0,
          "total order: time first, then node number",
          () =>
            `compareStamps(${JSON.stringify(lo)}, ${JSON.stringify(hi)}) returned ${order(got)}: the smaller time comes first, whatever the nodes`,
        );
      }
      ctx.metric("tied pairs checked", ties);
    },
  },
];

/** Crash a random node every 60-180 ms and restart it 10-60 ms later; at most two down at once. */
function scheduleCrashes(ctx: Ctx, sim: Simulation<Lab.LamportMsg>, until: number): void {
  const step = () => {
    const up = sim.nodeIds.filter((n) => sim.isUp(n));
    if (up.length > sim.nodeIds.length - 2) {
      const victim = up[ctx.rng.int(up.length)] as string;
      sim.crash(victim);
      sim.after(10 + ctx.rng.int(50), `restart ${victim}`, () => sim.restart(victim));
    }
    const next = sim.now + 60 + ctx.rng.int(120);
    if (next < until - 100) sim.at(next, "crash a node", step);
  };
  sim.at(80 + ctx.rng.int(60), "crash a node", step);
}
