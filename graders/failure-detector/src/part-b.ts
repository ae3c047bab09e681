/**
 * Part B: the phi accrual detector. Its output is checked against the grader's own model on
 * scripted arrivals (the window, the regime change, the monotonic rise of a dead peer's phi);
 * then nodes run with it: on a link that becomes slow and stays slow phi adapts where a fixed
 * timeout keeps flapping, and the experiment of Part A measures thresholds 1, 3 and 8.
 */
import type { Scenario } from "@faultline/grading";
import type { NodeId } from "@faultline/sim";
import { cluster, SLOW_LINKS, type Ctx, type L, type Sim } from "./cluster.ts";
import { experimentTable, measure, requireAccuracy, WRONG_TIME_PCT, type Bounds, type Measured } from "./experiment.ts";
import { PhiModel, samePhi } from "./phi-model.ts";
import { formatTable, withBound } from "./table.ts";
import type { DetectorWatch } from "./watch.ts";

/** What a learner's detector looks like from the grader. */
interface Detector {
  heartbeat(now: number): void;
  phi(now: number): number;
}

/** A Part B node as the grader reads it: its hook phi(peer, now). */
interface PhiHook {
  phi(peer: NodeId, now: number): number;
}

/** Feed the same arrivals to the learner's detector and the model. */
function feed(d: Detector, m: PhiModel, arrivals: readonly number[]): void {
  for (const t of arrivals) {
    d.heartbeat(t);
    m.heartbeat(t);
  }
}

/** `count` arrivals after `from`, each `gap` plus a uniform jitter of ±`jitter`, rounded to 0.1 ms. */
function arrivals(ctx: Ctx, from: number, count: number, gap: number, jitter: number): number[] {
  const out: number[] = [];
  let t = from;
  for (let i = 0; i < count; i++) {
    t += Math.round((gap + ctx.rng.range(-jitter, jitter)) * 10) / 10;
    out.push(t);
  }
  return out;
}

function requireSamePhi(ctx: Ctx, d: Detector, m: PhiModel, at: number, what: string): void {
  const got = d.phi(at);
  const expected = m.phi(at);
  const { mean, stdDev } = m.stats();
  ctx.check(
    samePhi(got, expected),
    "phi follows the window",
    () =>
      `${what}: phi(${at}) is ${got}, expected ${expected.toFixed(6)} (window of the last ${m.intervals.length} intervals: mean ${mean.toFixed(1)} ms, σ ${stdDev.toFixed(1)} ms, silent for ${(at - (m.last as number)).toFixed(1)} ms)`,
  );
}

/** Thresholds of the experiment and the bounds the README states for each. */
export const THRESHOLDS: ReadonlyArray<{ threshold: number; bounds: Bounds }> = [
  { threshold: 1, bounds: { p99Ms: 1_000, mistakesPerNodeHour: 8_000, wrongTimePct: WRONG_TIME_PCT } },
  { threshold: 3, bounds: { p99Ms: 1_500, mistakesPerNodeHour: 2_000, wrongTimePct: WRONG_TIME_PCT } },
  { threshold: 8, bounds: { p99Ms: 2_000, mistakesPerNodeHour: 900, wrongTimePct: WRONG_TIME_PCT } },
];

/** The slow link of "phi adapts": from SLOW_AT_MS on, one node's heartbeats take 100-900 ms. */
const SLOW_AT_MS = 10_000;
/** Mistakes on the slow link are graded from here on (the window has had 25 s to fill). */
const ADAPTED_AT_MS = 35_000;
const ADAPT_RUN_MS = 60_000;
/** The slow node crashes at ADAPT_RUN_MS; every peer must suspect it within this. */
const SLOW_CRASH_BOUND_MS = 4_000;

interface SlowLinkRun {
  label: string;
  before: number;
  adapting: number;
  adapted: number;
  /** Survivors that suspected the slow node within SLOW_CRASH_BOUND_MS of its crash. */
  detected: number;
}

/** One node's outgoing links become slow at SLOW_AT_MS and stay slow; count suspicions of it per phase. */
async function slowLink(
  ctx: Ctx,
  label: string,
  make: () => ReturnType<typeof cluster>,
  victimIndex: number,
): Promise<SlowLinkRun & { sim: Sim; watch: DetectorWatch; victim: NodeId }> {
  const { sim, watch } = make();
  const victim = sim.nodeIds[victimIndex] as NodeId;
  sim.at(SLOW_AT_MS, `slow links from ${victim}`, () => {
    for (const p of sim.nodeIds)
      if (p !== victim) sim.setLinkFaults(victim, p, { delay: { kind: "uniform", min: 100, max: 900 } });
  });
  await sim.runFor(ADAPT_RUN_MS);
  // Then the slow node crashes: the adapted detector must still see it.
  watch.crash(victim);
  await sim.runFor(SLOW_CRASH_BOUND_MS);
  const of = (from: number, to: number) =>
    watch.mistakes.filter((m) => m.target === victim && m.t >= from && m.t < to).length;
  const detected = sim.nodeIds.filter((o) => o !== victim && watch.suspects(o).has(victim)).length;
  return {
    label,
    before: of(0, SLOW_AT_MS),
    adapting: of(SLOW_AT_MS, ADAPTED_AT_MS),
    adapted: of(ADAPTED_AT_MS, Infinity),
    detected,
    sim,
    watch,
    victim,
  };
}

export const partB: Array<Scenario<L>> = [
  {
    part: "B",
    name: "phi follows the window of inter-arrival times",
    points: 10,
    seeds: 5,
    hints: [
      "phi(now) = -log10(pLater(now - last, mean, σ)) with the mean and the population standard deviation (divide by the count) of the intervals in the window, σ at least MIN_STD_DEV_MS.",
      "The window holds the last PHI_WINDOW intervals: drop the oldest when it is full, or the mean remembers a link that changed long ago. The first heartbeat adds HEARTBEAT_INTERVAL_MS, not 0 and not nothing; before it, phi is 0.",
      "phi must depend on how long the peer has been silent now (now - last arrival), not only on the last interval: a dead peer's phi keeps rising with every check.",
    ],
    run(ctx) {
      const Detector = ctx.impl.PhiAccrualDetector;
      // Never heard: not judged.
      const fresh = new Detector();
      const zero = fresh.phi(5_000);
      ctx.check(
        zero === 0,
        "phi is 0 before the first heartbeat",
        () => `a detector that has heard nothing answered phi(5000) = ${zero}`,
      );
      // The first heartbeat stands in for an interval of HEARTBEAT_INTERVAL_MS.
      const first = new Detector();
      const firstModel = new PhiModel();
      feed(first, firstModel, [1_000]);
      for (const after of [100, 230, 260])
        requireSamePhi(ctx, first, firstModel, 1_000 + after, "after a single heartbeat");
      // A regular peer with jitter.
      const d = new Detector();
      const m = new PhiModel();
      feed(d, m, arrivals(ctx, 0, 150, 200, 30));
      const last = m.last as number;
      for (const after of [0, 150, 220, 260, 300, 400])
        requireSamePhi(ctx, d, m, last + after, "150 heartbeats about every 200 ms");
      // The link changes: only the last PHI_WINDOW intervals count.
      feed(d, m, arrivals(ctx, last, 120, 500, 60));
      const slowLast = m.last as number;
      for (const after of [300, 500, 650, 800])
        requireSamePhi(ctx, d, m, slowLast + after, "150 heartbeats every ~200 ms, then 120 every ~500 ms");
      // A dead peer: phi never goes down as the silence grows, and it does grow.
      let previous = -Infinity;
      for (let k = 0; k <= 300; k++) {
        const t = slowLast + 10 * k;
        const p = d.phi(t);
        ctx.check(
          p >= previous,
          "phi of a silent peer never decreases",
          () => `phi(${t - 10}) = ${previous} but phi(${t}) = ${p}: the peer has only been silent longer`,
        );
        previous = p;
      }
      const early = d.phi(slowLast + 500);
      const late = d.phi(slowLast + 2_000);
      ctx.check(
        late > early + 1,
        "phi of a silent peer grows",
        () => `phi 500 ms after the last heartbeat is ${early}, and 2000 ms after it still ${late}`,
      );
    },
  },
  {
    part: "B",
    name: "phi adapts to a link that becomes slow and stays slow",
    points: 10,
    seeds: 3,
    hints: [
      "From t=10 s one node's heartbeats take 100 to 900 ms instead of 1 to 20 ms, for good. A fixed timeout tuned for the fast link suspects it again and again; phi must stop once its window holds the new intervals. At t=60 s that node crashes, and its peers must suspect it within 4 s.",
      "The window must really slide (the last PHI_WINDOW intervals) and σ must come from all of it: phi computed from the last interval alone has no idea how much the intervals vary, and flaps on every jittery link.",
    ],
    async run(ctx) {
      const victimIndex = ctx.rng.int(5);
      const delay = { kind: "uniform", min: 1, max: 20 } as const;
      const phi = await slowLink(
        ctx,
        "phi accrual, threshold 8",
        () => cluster(ctx, 5, () => new ctx.impl.PhiNode({ threshold: 8 }), delay),
        victimIndex,
      );
      // For comparison only (not graded): Part A's detector on the same link, if it runs.
      let fixed: SlowLinkRun = {
        label: "fixed timeout 600 ms (Part A: does not run)",
        before: Number.NaN,
        adapting: Number.NaN,
        adapted: Number.NaN,
        detected: Number.NaN,
      };
      try {
        fixed = await slowLink(
          ctx,
          "fixed timeout 600 ms (Part A)",
          () => cluster(ctx, 5, () => new ctx.impl.HeartbeatNode({ timeoutMs: 600 }), delay),
          victimIndex,
        );
      } catch {
        // Part A is not done yet or fails: the table says so, Part B is graded on its own.
      }
      const table = formatTable([
        { title: "detector", cells: [phi.label, fixed.label] },
        { title: `suspicions of ${phi.victim}: fast link`, cells: [withBound(phi.before, 0), String(fixed.before)] },
        { title: "slow, adapting (10-35 s)", cells: [String(phi.adapting), String(fixed.adapting)] },
        { title: "slow, adapted (35-60 s)", cells: [withBound(phi.adapted, 0), String(fixed.adapted)] },
        {
          title: `peers suspecting it ${SLOW_CRASH_BOUND_MS / 1000} s after its crash`,
          cells: [`${phi.detected} (of 4)`, `${fixed.detected} (of 4)`],
        },
      ]);
      ctx.show(`${phi.victim}'s heartbeats take 100-900 ms from t=10 s on (no node crashes):\n${table}`);
      ctx.check(
        phi.before === 0,
        "no suspicion on a fast link",
        () =>
          `with phi (threshold 8) ${phi.victim} was suspected ${phi.before} times before its link became slow, with every heartbeat on time within 20 ms\n${table}`,
      );
      const otherMistakes = phi.watch.mistakes.filter((m) => m.target !== phi.victim);
      ctx.check(
        otherMistakes.length === 0,
        "no suspicion on a fast link",
        () =>
          `${otherMistakes[0]?.observer} suspected ${otherMistakes[0]?.target} at t=${otherMistakes[0]?.t} ms, whose link is fast and steady`,
      );
      ctx.check(
        phi.detected === 4,
        "a crash on the slow link is detected",
        () =>
          `${phi.victim} crashed at t=${ADAPT_RUN_MS} ms; ${SLOW_CRASH_BOUND_MS} ms later only ${phi.detected} of its 4 peers suspected it: phi must keep rising while a peer is silent, however slow its link\n${table}`,
      );
      // The node's own hook: phi of the dead peer, as its peers see it now and later, above the
      // threshold they suspect by, and rising as the silence grows; a live peer's stays below it.
      const now = phi.sim.now;
      for (const [observer, node] of phi.sim.liveNodes<PhiHook>()) {
        const ofDead = [0, 500, 1_000].map((after) => node.phi(phi.victim, now + after));
        const [p0, p1, p2] = ofDead as [number, number, number];
        ctx.check(
          // Far enough into the silence phi may reach Infinity (no later arrival is possible).
          p0 > 8 && p1 >= p0 && p2 >= p1 && (p2 > p0 || p0 === Number.POSITIVE_INFINITY),
          "phi of a dead peer rises above the threshold",
          () =>
            `${observer}.phi("${phi.victim}", t) at t=${now}, ${now + 500} and ${now + 1_000} ms, ${SLOW_CRASH_BOUND_MS} ms and more after ${phi.victim} crashed: ${ofDead.join(", ")}; it must be above the threshold 8 and keep rising while the peer is silent`,
        );
        const live = phi.sim.nodeIds.find((o) => o !== observer && o !== phi.victim) as NodeId;
        const ofLive = node.phi(live, now);
        ctx.check(
          ofLive < 8,
          "a live peer's phi stays below the threshold",
          () =>
            `${observer}.phi("${live}", ${now}) = ${ofLive} though ${live} is up and its heartbeats arrive within 20 ms`,
        );
      }
      ctx.check(phi.adapted === 0, "phi adapts to a slow link", () => {
        const m = phi.watch.mistakes.find((x) => x.target === phi.victim && x.t >= ADAPTED_AT_MS);
        return `${phi.victim}'s link had been slow for 25 s (over ${Math.round(25_000 / 200)} heartbeats), yet it was still suspected ${phi.adapted} times, first by ${m?.observer} at t=${m?.t} ms\n${table}`;
      });
    },
  },
  {
    part: "B",
    name: "detection and false suspicions for thresholds 1, 3 and 8",
    points: 10,
    seeds: 3,
    hints: [
      "The experiment of Part A (slow heartbeats, jitter, pauses, crashes) with phi accrual at thresholds 1, 3 and 8. Each has its own bounds: a low threshold detects fast and errs often, a high one is slow and rarely wrong.",
      "Check every CHECK_INTERVAL_MS and compare phi(env.now()) with the threshold (above it: suspected); a heartbeat ends the suspicion. A crash must be detected: phi must keep rising while the peer is silent.",
    ],
    async run(ctx) {
      const rows: Array<{ m: Measured; bounds: Bounds }> = [];
      for (const { threshold, bounds } of THRESHOLDS) {
        const m = await measure(
          ctx,
          `phi threshold ${threshold}`,
          () => new ctx.impl.PhiNode({ threshold }),
          SLOW_LINKS,
          60_000,
        );
        rows.push({ m, bounds });
      }
      const table = experimentTable(rows);
      ctx.show(
        `phi accrual (slow heartbeats 20% up to ${SLOW_LINKS.slowDelayMaxMs} ms, pauses up to ${SLOW_LINKS.pauseMaxMs} ms):\n${table}`,
      );
      for (const { m, bounds } of rows) {
        const miss = m.misses[0];
        ctx.check(
          !miss,
          "every crash is detected",
          () =>
            `${miss?.observer} never suspected ${miss?.target}, down from t=${miss?.crashedAt} ms until its restart at t=${miss?.restartedAt} ms (${m.label})\n${table}`,
        );
        ctx.check(
          m.p99 <= (bounds.p99Ms as number),
          "detection p99 within the bound",
          () => `with ${m.label}: detection p99 ${m.p99} ms, over ${bounds.p99Ms} ms\n${table}`,
        );
        requireAccuracy(ctx, m, bounds, table);
        ctx.check(
          m.mistakesPerNodeHour <= (bounds.mistakesPerNodeHour as number),
          "false suspicions per node-hour within the bound",
          () =>
            `with ${m.label}: ${m.mistakes.length} false suspicions, ${m.mistakesPerNodeHour.toFixed(1)} per node-hour, over ${bounds.mistakesPerNodeHour}\n${table}`,
        );
      }
    },
  },
];
