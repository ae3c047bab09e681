/**
 * Part B: vector clocks. The operations on their own, the merge laws as property tests, the
 * concurrency relation of real runs against the ground truth, and the learner's own ShiViz log.
 */
import fc from "fast-check";
import { checkCausalityClaims, type CausalityClaim } from "@faultline/check";
import type { Scenario } from "@faultline/grading";
import { SHIVIZ_REGEX, type Delay } from "@faultline/sim";
import type * as Lab from "@faultline/lab-lamport-clock";
import { StampRecorder, type Stamped } from "./recorder.ts";
import type { Ctx, LabModule } from "./common.ts";
import { entry, isVc, showVc, vcEqual, vcMax, vcOrder, type Vc } from "./vectors.ts";

const NOT_STARTED = /is not implemented yet \(TODO\)/;

/** A law broken by one input; the message describes that input. */
class LawBroken extends Error {}

/**
 * Check one law with fast-check, seeded by the run's seed. On failure, report the shrunk
 * counterexample; a NotImplemented inside the property still means "not started".
 */
function law<T>(ctx: Ctx, name: string, arb: fc.Arbitrary<T>, broken: (v: T) => string | undefined): void {
  const details = fc.check(
    fc.property(arb, (v) => {
      const m = broken(v);
      if (m !== undefined) throw new LawBroken(m);
    }),
    { seed: ctx.seed, numRuns: 300 },
  );
  if (!details.failed) return;
  const err = details.errorInstance;
  if (err instanceof Error && NOT_STARTED.test(err.message)) throw err;
  const why =
    err instanceof LawBroken
      ? err.message
      : `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  ctx.fail(
    name,
    `${why} (smallest counterexample after ${details.numShrinks} shrinks: ${fc.stringify(details.counterexample)}; fast-check seed ${details.seed})`,
  );
}

const IDS = ["n1", "n2", "n3", "n4"] as const;
const arbVc: fc.Arbitrary<Vc> = fc.dictionary(fc.constantFrom(...IDS), fc.nat({ max: 5 }), {
  maxKeys: IDS.length,
  noNullPrototype: true,
});
const arbId = fc.constantFrom(...IDS);

/** Validate a learner's result before reasoning about it. */
function bad(what: string, v: unknown): string | undefined {
  return isVc(v)
    ? undefined
    : `${what} returned ${JSON.stringify(v)}, which is not a vector clock (an object of counts)`;
}

const REORDER: Delay = {
  kind: "longTail",
  base: { kind: "uniform", min: 1, max: 20 },
  tailProbability: 0.1,
  tailMs: 120,
};

/** A run of VectorNodes whose clocks are paired with ground truth. */
function vectorRun(ctx: Ctx, nodes: number) {
  const sim = ctx.sim<Lab.VectorMsg>({
    nodes,
    factory: () => new ctx.impl.VectorNode(),
    faults: { duplicate: 0.1, delay: REORDER },
  });
  const rec = new StampRecorder<Vc>(sim, {
    fromMessage: (m) => {
      const c = (m as { clock?: unknown } | null)?.clock;
      return isVc(c) ? c : undefined;
    },
    fromNode: (n) => {
      const c = (n as Lab.VectorNode).clock;
      return isVc(c) ? c : undefined;
    },
    hook: (n) => `clock is ${JSON.stringify((n as Lab.VectorNode).clock) ?? "undefined"}`,
    show: showVc,
  });
  return { sim, rec };
}

function finish(ctx: Ctx, rec: StampRecorder<Vc>): void {
  const f = rec.firstFailure();
  if (f) ctx.fail(f.invariant, f.message);
}

export const partB: ReadonlyArray<Scenario<LabModule>> = [
  {
    part: "B",
    name: "vector clock rules",
    points: 4,
    seeds: 1,
    hints: [
      "Four small functions in src/vector.ts; clocks are plain objects and a missing entry is 0.",
      "vcIncrement and vcMerge build new objects ({ ...clock }); vcCompare tracks two flags: some entry smaller, some entry larger.",
      "Both flags set means concurrent; only 'smaller' means before; only 'larger' means after; neither means equal.",
    ],
    run(ctx) {
      const { vcIncrement, vcMerge, vcCompare, formatShiVizEntry } = ctx.impl;
      const check = (got: unknown, want: Vc, call: string, rule: string) =>
        ctx.check(
          isVc(got) && vcEqual(got, want),
          rule,
          () => `${call} returned ${showVc(got)}; expected ${showVc(want)}`,
        );

      const empty = {};
      check(vcIncrement(empty, "n1"), { n1: 1 }, 'vcIncrement({}, "n1")', "increment adds 1 to the own entry");
      ctx.check(Object.keys(empty).length === 0, "clocks are values", "vcIncrement modified the clock it was given");
      const a = { n1: 1, n2: 3 };
      check(
        vcIncrement(a, "n2"),
        { n1: 1, n2: 4 },
        'vcIncrement({n1:1,n2:3}, "n2")',
        "increment adds 1 to the own entry",
      );
      ctx.check(a.n2 === 3, "clocks are values", "vcIncrement modified the clock it was given");
      const x = { n1: 2, n2: 1 };
      const y = { n2: 3, n3: 1 };
      check(
        vcMerge(x, y),
        { n1: 2, n2: 3, n3: 1 },
        "vcMerge({n1:2,n2:1}, {n2:3,n3:1})",
        "merge takes the larger entry",
      );
      ctx.check(
        vcEqual(x, { n1: 2, n2: 1 }) && vcEqual(y, { n2: 3, n3: 1 }),
        "clocks are values",
        "vcMerge modified a clock it was given",
      );
      check(vcMerge({ n1: 4 }, { n1: 4 }), { n1: 4 }, "vcMerge({n1:4}, {n1:4})", "merge takes the larger entry");

      const cases: Array<[Vc, Vc, Lab.Ordering]> = [
        [{ n1: 1 }, { n1: 2 }, "before"],
        [{ n1: 1 }, { n1: 1, n2: 1 }, "before"],
        [{ n1: 2, n2: 1 }, { n1: 1 }, "after"],
        [{ n1: 1, n2: 0 }, { n1: 1 }, "equal"],
        [{}, {}, "equal"],
        [{ n1: 1 }, { n2: 1 }, "concurrent"],
        [{ n1: 2, n2: 1 }, { n1: 1, n2: 2 }, "concurrent"],
        [{ n1: 1, n2: 1 }, { n1: 1, n2: 2, n3: 1 }, "before"],
      ];
      for (const [p, q, want] of cases) {
        const got = vcCompare(p, q);
        ctx.check(
          got === want,
          "compare follows the definition",
          `vcCompare(${showVc(p)}, ${showVc(q)}) returned ${JSON.stringify(got)}; expected "${want}"`,
        );
      }

      const line = formatShiVizEntry("n1", { n1: 2, n2: 1 }, "send to n2");
      const m = new RegExp(`^${SHIVIZ_REGEX}$`).exec(line);
      ctx.check(
        m !== null,
        "ShiViz entries match ShiViz's regular expression",
        `formatShiVizEntry("n1", {n1:2,n2:1}, "send to n2") returned ${JSON.stringify(line)}: expected the host, a space, the clock as JSON, a newline and the description`,
      );
      const g = (m as RegExpExecArray).groups ?? {};
      let parsed: unknown;
      try {
        parsed = JSON.parse(g.clock ?? "");
      } catch {
        parsed = undefined;
      }
      ctx.check(
        g.host === "n1" && isVc(parsed) && vcEqual(parsed, { n1: 2, n2: 1 }) && g.event === "send to n2",
        "ShiViz entries match ShiViz's regular expression",
        `formatShiVizEntry("n1", {n1:2,n2:1}, "send to n2") returned ${JSON.stringify(line)}: host "${g.host}", clock ${g.clock}, event "${g.event}"`,
      );
      // ShiViz reads one line of description per entry: a line break inside it must not survive,
      // and no word of it may be lost or glued to the next.
      for (const description of ["retry\nsend to n2", "got reply \n from n3", "a\n\nb"]) {
        const multi = formatShiVizEntry("n2", { n2: 1 }, description);
        const mm = new RegExp(`^${SHIVIZ_REGEX}$`).exec(multi);
        const words = (mm?.groups?.event ?? "").split(/\s+/).filter((w) => w !== "");
        const want = description.split(/\s+/).filter((w) => w !== "");
        ctx.check(
          mm !== null && words.join(" ") === want.join(" "),
          "ShiViz descriptions stay on one line",
          () =>
            `formatShiVizEntry("n2", {n2:1}, ${JSON.stringify(description)}) returned ${JSON.stringify(multi)}: the description must be one line holding its words ${JSON.stringify(want)} in order (turn each line break into a space)`,
        );
      }
    },
  },
  {
    part: "B",
    name: "merge is a least upper bound (property tests)",
    points: 6,
    seeds: 3,
    hints: [
      "fast-check generated clocks over n1..n4 and shrank the first failure to the smallest example shown: run your function on it by hand.",
      "merge must be commutative, associative and idempotent, and its result the entry-wise maximum; none of the functions may modify its arguments.",
      "vcMerge(a, a) must equal a: adding entries breaks idempotence. vcCompare must say concurrent when one entry is smaller and another larger.",
    ],
    run(ctx) {
      const { vcIncrement, vcMerge, vcCompare } = ctx.impl;
      law(ctx, "increment adds 1 to the own entry only", fc.tuple(arbVc, arbId), ([a, id]) => {
        const before = JSON.stringify(a);
        const r = vcIncrement(a, id);
        if (JSON.stringify(a) !== before) return `vcIncrement(${before}, "${id}") modified its argument`;
        const want = { ...a, [id]: entry(a, id) + 1 };
        return (
          bad(`vcIncrement(${before}, "${id}")`, r) ??
          (vcEqual(r, want)
            ? undefined
            : `vcIncrement(${before}, "${id}") returned ${showVc(r)}; expected ${showVc(want)}`)
        );
      });
      law(ctx, "merge leaves its arguments alone", fc.tuple(arbVc, arbVc), ([a, b]) => {
        const sa = JSON.stringify(a);
        const sb = JSON.stringify(b);
        vcMerge(a, b);
        return JSON.stringify(a) !== sa || JSON.stringify(b) !== sb
          ? `vcMerge(${sa}, ${sb}) modified an argument: now ${JSON.stringify(a)} and ${JSON.stringify(b)}`
          : undefined;
      });
      law(ctx, "merge is idempotent", arbVc, (a) => {
        const r = vcMerge(a, a);
        return (
          bad("vcMerge", r) ??
          (vcEqual(r, a)
            ? undefined
            : `vcMerge(a, a) with a = ${showVc(a)} returned ${showVc(r)}; merging a clock with itself must give it back`)
        );
      });
      law(ctx, "merge is commutative", fc.tuple(arbVc, arbVc), ([a, b]) => {
        const ab = vcMerge(a, b);
        const ba = vcMerge(b, a);
        return (
          bad("vcMerge", ab) ??
          (vcEqual(ab, ba)
            ? undefined
            : `vcMerge(${showVc(a)}, ${showVc(b)}) = ${showVc(ab)} but vcMerge(${showVc(b)}, ${showVc(a)}) = ${showVc(ba)}`)
        );
      });
      law(ctx, "merge is associative", fc.tuple(arbVc, arbVc, arbVc), ([a, b, c]) => {
        const l = vcMerge(vcMerge(a, b), c);
        const r = vcMerge(a, vcMerge(b, c));
        return (
          bad("vcMerge", l) ??
          (vcEqual(l, r)
            ? undefined
            : `with a = ${showVc(a)}, b = ${showVc(b)}, c = ${showVc(c)}: merge(merge(a, b), c) = ${showVc(l)} but merge(a, merge(b, c)) = ${showVc(r)}`)
        );
      });
      law(ctx, "merge is the least upper bound", fc.tuple(arbVc, arbVc), ([a, b]) => {
        const r = vcMerge(a, b);
        const want = vcMax(a, b);
        return (
          bad("vcMerge", r) ??
          (vcEqual(r, want)
            ? undefined
            : `vcMerge(${showVc(a)}, ${showVc(b)}) returned ${showVc(r)}; the least upper bound (entry-wise maximum) is ${showVc(want)}`)
        );
      });
      law(ctx, "compare follows the definition", fc.tuple(arbVc, arbVc), ([a, b]) => {
        const got = vcCompare(a, b);
        const want = vcOrder(a, b);
        return got === want
          ? undefined
          : `vcCompare(${showVc(a)}, ${showVc(b)}) returned ${JSON.stringify(got)}; expected "${want}"`;
      });
      law(ctx, "a merge comes after or equals what it merged", fc.tuple(arbVc, arbVc), ([a, b]) => {
        const got = vcCompare(a, vcMerge(a, b));
        return got === "before" || got === "equal"
          ? undefined
          : `vcCompare(a, vcMerge(a, b)) with a = ${showVc(a)}, b = ${showVc(b)} returned ${JSON.stringify(got)}; expected "before" or "equal"`;
      });
    },
  },
  {
    part: "B",
    name: "concurrency matches the true happened-before",
    points: 8,
    seeds: 4,
    hints: [
      "For every pair of events of the run, vcCompare on your clocks must give what really happened: before, after, or concurrent.",
      "A receive merges the message's clock into the node's clock, then increments the own entry; a send increments first and ships the new clock.",
      "If your clocks claim 'before' for events no chain of messages connects, an entry grew too much (merge by sum?); if they claim 'concurrent' for a real chain, a merge or an increment is missing.",
    ],
    async run(ctx) {
      const { sim, rec } = vectorRun(ctx, 5);
      await sim.runFor(350);
      finish(ctx, rec);
      const receives = rec.count("receive");
      ctx.check(
        receives >= 50,
        "the workload ran",
        `only ${receives} receive events were timestamped: is the given onTimer workload intact?`,
      );
      // The learner's verdict on every pair of events, checked against the ground truth by the
      // shared causality-claims checker of @faultline/check.
      const { vcCompare } = ctx.impl;
      const events = rec.all;
      const claims: CausalityClaim[] = [];
      for (let i = 0; i < events.length; i++) {
        const a = events[i] as Stamped<Vc>;
        for (let j = i + 1; j < events.length; j++) {
          const got = vcCompare(a.stamp, (events[j] as Stamped<Vc>).stamp);
          claims.push({ a: i, b: j, claim: got });
        }
      }
      const r = checkCausalityClaims(
        events.map((e, id) => ({ id, vc: e.vc })),
        claims,
      );
      const m = r.mismatches[0];
      if (m) {
        const a = events[m.claim.a as number] as Stamped<Vc>;
        const b = events[m.claim.b as number] as Stamped<Vc>;
        const really =
          m.actual === "concurrent"
            ? "the two events are concurrent: no chain of events and messages leads from one to the other"
            : `${m.actual === "before" ? rec.describe(a) : rec.describe(b)} really happened before the other`;
        ctx.fail(
          "concurrency matches ground truth",
          `vcCompare(${showVc(a.stamp)}, ${showVc(b.stamp)}) returned ${JSON.stringify(m.claim.claim)} for ${rec.describe(a)} and ${rec.describe(b)}, but ${really} (${r.mismatches.length} of ${r.checked} pairs are wrong)`,
        );
      }
      ctx.metric("event pairs compared", r.checked);
    },
  },
  {
    part: "B",
    name: "ShiViz log follows ShiViz's rules",
    points: 7,
    seeds: 3,
    hints: [
      "Each node's `log` must hold one ShiViz entry per local event, send and receive, in order, made with formatShiVizEntry and the clock of that very event.",
      "ShiViz needs the host's own entry in every clock, 1 on its first event and exactly one more on each next event; every other entry must count events the other host really logged.",
      "Log after the increment (and, for a receive, after the merge): the entry of a send carries the same clock as the message.",
    ],
    async run(ctx) {
      const { sim, rec } = vectorRun(ctx, 4);
      await sim.runFor(300);
      finish(ctx, rec);
      const entryRe = new RegExp(`^${SHIVIZ_REGEX}$`);
      const logs = new Map<string, Array<{ host: string; clock: Vc; event: string }>>();
      for (const id of sim.nodeIds) {
        const node = sim.node<Lab.VectorNode>(id);
        const raw = node?.log;
        ctx.check(
          Array.isArray(raw),
          "ShiViz entries match ShiViz's regular expression",
          `${id}.log is ${JSON.stringify(raw)}; expected an array of entries`,
        );
        const parsed: Array<{ host: string; clock: Vc; event: string }> = [];
        (raw as unknown[]).forEach((line, k) => {
          const m = typeof line === "string" ? entryRe.exec(line) : null;
          ctx.check(
            m !== null,
            "ShiViz entries match ShiViz's regular expression",
            () =>
              `${id}'s log entry #${k + 1} ${JSON.stringify(line)} does not match ShiViz's regular expression ${SHIVIZ_REGEX}: expected "<host> <clock as JSON>", a newline, and a one-line description`,
          );
          const g = (m as RegExpExecArray).groups ?? {};
          let clock: unknown;
          try {
            clock = JSON.parse(g.clock ?? "");
          } catch {
            clock = undefined;
          }
          ctx.check(
            isVc(clock),
            "ShiViz entries match ShiViz's regular expression",
            () => `${id}'s log entry #${k + 1} has clock ${g.clock}, which is not a JSON object of counts`,
          );
          parsed.push({ host: g.host ?? "", clock: clock as Vc, event: g.event ?? "" });
        });
        logs.set(id, parsed);
      }
      for (const id of sim.nodeIds) {
        const log = logs.get(id) as Array<{ host: string; clock: Vc; event: string }>;
        const events = rec.byNode.get(id) as Array<Stamped<Vc>>;
        log.forEach((e, k) => {
          ctx.check(
            e.host === id,
            "entries name their own host",
            () => `${id}'s log entry #${k + 1} names host "${e.host}"`,
          );
          ctx.check(
            Object.hasOwn(e.clock, id),
            "own entry is present",
            () =>
              `${id}'s log entry #${k + 1} (${e.event}) has clock ${JSON.stringify(e.clock)} without an entry for ${id}`,
          );
          ctx.check(
            entry(e.clock, id) === k + 1,
            "own entry starts at 1 and adds 1 per event",
            () =>
              `${id}'s log entry #${k + 1} (${e.event}) has ${id}: ${entry(e.clock, id)}; ShiViz expects ${k + 1} (${k === 0 ? "the first event of a host is 1" : `one more than the entry before, ${entry((log[k - 1] as { clock: Vc }).clock, id)}`})`,
          );
          for (const [q, v] of Object.entries(e.clock)) {
            const known = logs.get(q)?.length ?? 0;
            ctx.check(
              v <= known,
              "entries point at logged events",
              () =>
                `${id}'s log entry #${k + 1} (${e.event}) says ${q}: ${v}, but ${q} logged only ${known} event${known === 1 ? "" : "s"}${logs.has(q) ? "" : ` (${q} is not a node of this run)`}`,
            );
          }
        });
        ctx.check(
          log.length === events.length,
          "one entry per event",
          `${id} had ${events.length} local events, sends and receives but logged ${log.length} entries`,
        );
      }
      // Recompute every clock from the run's real causality and compare.
      for (const id of sim.nodeIds) {
        const log = logs.get(id) as Array<{ host: string; clock: Vc; event: string }>;
        const events = rec.byNode.get(id) as Array<Stamped<Vc>>;
        events.forEach((ev, k) => {
          const want: Record<string, number> = {};
          for (const q of sim.nodeIds) {
            const qi = sim.endpoints.indexOf(q);
            const limit = ev.vc[qi] as number;
            want[q] = (rec.byNode.get(q) as Array<Stamped<Vc>>).filter((x) => x.own <= limit).length;
          }
          const got = (log[k] as { clock: Vc }).clock;
          ctx.check(
            vcEqual(got, want),
            "clocks match the run's causality",
            () =>
              `${id}'s log entry #${k + 1} (${rec.describe(ev)}) has clock ${showVc(got)}, but its causal past holds ${showVc(want)} events`,
          );
        });
      }
    },
  },
];
