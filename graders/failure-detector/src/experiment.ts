/**
 * The experiment of Part A (and the measurements of every part): a cluster runs for a few
 * virtual minutes under stated conditions while the grader crashes and restarts nodes one at a
 * time and pauses others like a garbage collector; it measures detection times, mistakes and the
 * messages each member sends per heartbeat period.
 */
import type { Node } from "@faultline/sim";
import type { Msg, NetworkConditions, Timer } from "@faultline/lab-failure-detector";
import { cluster, delayOf, nodeMessages, scheduleFaults, type Ctx } from "./cluster.ts";
import { quantile, type Miss, type Mistake } from "./watch.ts";
import { formatTable, withBound } from "./table.ts";

/** Crashes: the first after 5 s, then every 12 s, each down 6 s (longer than any bound). */
export const CRASHES = { firstAtMs: 5_000, everyMs: 12_000, downMs: 6_000 };
/** A node pauses every 20 s on average. */
export const PAUSE_GAP_MS = 20_000;
export const EXPERIMENT_NODES = 5;

export interface Measured {
  /** What was run: "timeout 300 ms", "chooseTimeout = 1300 ms". */
  label: string;
  detections: number[];
  misses: Miss[];
  mistakes: Mistake[];
  p50: number;
  p99: number;
  mistakesPerNodeHour: number;
  /** Share of the time (observer, live peer) pairs spent in a false suspicion, in percent. */
  wrongTimePct: number;
  messagesPerMemberPerPeriod: number;
}

/** Run `factory`'s nodes for `durationMs` under `c` with crashes and pauses, and measure. */
export async function measure(
  ctx: Ctx,
  label: string,
  factory: () => Node<Msg, Timer>,
  c: NetworkConditions,
  durationMs: number,
): Promise<Measured> {
  const cl = cluster(ctx, EXPERIMENT_NODES, factory, delayOf(c));
  scheduleFaults(
    cl,
    ctx.rng,
    { crashes: CRASHES, pauses: c.pauseMaxMs > 0 ? { meanGapMs: PAUSE_GAP_MS, pauseMaxMs: c.pauseMaxMs } : undefined },
    durationMs,
  );
  await cl.sim.runFor(durationMs);
  const { watch, sim } = cl;
  const nodeHours = (sim.nodeIds.length * durationMs) / 3_600_000;
  return {
    label,
    detections: watch.detections,
    misses: watch.misses,
    mistakes: watch.mistakes,
    p50: quantile(watch.detections, 0.5),
    p99: quantile(watch.detections, 0.99),
    mistakesPerNodeHour: watch.mistakes.length / nodeHours,
    wrongTimePct: 100 * watch.wrongShare(),
    messagesPerMemberPerPeriod: nodeMessages(sim) / sim.nodeIds.length / (durationMs / c.heartbeatIntervalMs),
  };
}

export interface Bounds {
  /** Every detection (and so p99) at most this. */
  detectionMaxMs?: number;
  p99Ms?: number;
  mistakesPerNodeHour?: number;
  wrongTimePct?: number;
}

/** Live peers may be suspected at most this share of the time (percent) wherever false suspicions are graded. */
export const WRONG_TIME_PCT = 5;

/** A suspicion that is never withdrawn counts once per node-hour but lasts: bound its time too. */
export function requireAccuracy(ctx: Ctx, m: Measured, bounds: Bounds, table: string): void {
  const allowed = bounds.wrongTimePct;
  ctx.check(
    allowed === undefined || m.wrongTimePct <= allowed,
    "live peers are rarely suspected",
    () =>
      `with ${m.label}, live peers were suspected ${m.wrongTimePct.toFixed(2)}% of the time (at most ${allowed}%): a suspicion must end when the peer is heard again\n${table}`,
  );
}

/** The report table: one row per run, bounds next to the figures. */
export function experimentTable(rows: ReadonlyArray<{ m: Measured; bounds: Bounds }>): string {
  return formatTable([
    { title: "detector", cells: rows.map((r) => r.m.label) },
    {
      title: "detections",
      cells: rows.map((r) => `${r.m.detections.length}${r.m.misses.length ? ` (+${r.m.misses.length} missed)` : ""}`),
    },
    { title: "detection p50 ms", cells: rows.map((r) => withBound(r.m.p50, undefined)) },
    { title: "detection p99 ms", cells: rows.map((r) => withBound(r.m.p99, r.bounds.p99Ms)) },
    {
      title: "slowest ms",
      cells: rows.map((r) =>
        withBound(r.m.detections.length > 0 ? Math.max(...r.m.detections) : Number.NaN, r.bounds.detectionMaxMs),
      ),
    },
    {
      title: "false suspicions / node-hour",
      cells: rows.map((r) => withBound(r.m.mistakesPerNodeHour, r.bounds.mistakesPerNodeHour, 1)),
    },
    {
      title: "live peers suspected % of time",
      cells: rows.map((r) => withBound(r.m.wrongTimePct, r.bounds.wrongTimePct, 2)),
    },
    {
      title: "msgs / member / period",
      cells: rows.map((r) => withBound(r.m.messagesPerMemberPerPeriod, undefined, 2)),
    },
  ]);
}
