/**
 * Part A: fixed-timeout heartbeats. First the rules on a network that delivers in time (a crash
 * is suspected within timeout + one interval, a live peer never, a suspicion ends when the peer
 * is heard again); then the classic experiment: slow heartbeats, jitter and pauses, measured
 * for a range of timeouts (the trade-off table) and for the timeout the learner chooses.
 */
import type { Scenario } from "@faultline/grading";
import type { NetworkConditions } from "@faultline/lab-failure-detector";
import {
  cluster,
  heartbeatsSent,
  INTERVAL_MS,
  LONG_PAUSES,
  longestSilence,
  SLOW_LINKS,
  type Ctx,
  type L,
} from "./cluster.ts";
import { experimentTable, measure, requireAccuracy, WRONG_TIME_PCT, type Bounds, type Measured } from "./experiment.ts";

/** The timeout of the rules test. */
const RULES_TIMEOUT_MS = 600;
/** The timeouts of the trade-off table. */
export const TRADE_OFF_TIMEOUTS = [150, 300, 600, 1000, 1500];
/** Mistakes allowed with the chosen timeout. */
export const CHOSEN_MISTAKES_PER_NODE_HOUR = 10;

/** Detection bound of a fixed timeout: the last heartbeat is at most as late as a slow one, then a timeout, checked within an interval. */
export function fixedTimeoutBound(timeoutMs: number, c: NetworkConditions): number {
  return timeoutMs + c.heartbeatIntervalMs + c.slowDelayMaxMs;
}

function heartbeatNode(ctx: Ctx, timeoutMs: number) {
  return () => new ctx.impl.HeartbeatNode({ timeoutMs });
}

/** Fail with the first crash nobody suspected or the slowest detection over its bound; the table goes along. */
function requireDetections(ctx: Ctx, m: Measured, bound: number, table: string): void {
  const miss = m.misses[0];
  ctx.check(
    !miss,
    "every crash is detected",
    () =>
      `${miss?.observer} never suspected ${miss?.target}, down from t=${miss?.crashedAt} ms until its restart at t=${miss?.restartedAt} ms (${m.label})\n${table}`,
  );
  const slowest = Math.max(0, ...m.detections);
  ctx.check(
    slowest <= bound,
    "detection within timeout + one interval + the slowest delay",
    () => `with ${m.label} a crash took ${slowest} ms to be suspected, over the bound of ${bound} ms\n${table}`,
  );
}

export const partA: Array<Scenario<L>> = [
  {
    part: "A",
    name: "a crashed peer is suspected, and only it",
    points: 10,
    seeds: 5,
    hints: [
      'Send { type: "heartbeat", seq } to every peer every HEARTBEAT_INTERVAL_MS, remember when each peer was last heard, and every CHECK_INTERVAL_MS suspect the peers silent for longer than timeoutMs.',
      "Re-arm both timers in onTimer, or heartbeats (or checks) happen once. Count every peer as heard at start: a node that has just started has no reason to suspect anyone.",
      "A heartbeat from a suspected peer ends the suspicion at once (delete it in onMessage). Read the time with env.now(): the real clock is not there, and a node's clock is the only one it has.",
    ],
    async run(ctx) {
      const { sim, watch } = cluster(ctx, 5, heartbeatNode(ctx, RULES_TIMEOUT_MS), {
        kind: "uniform",
        min: 1,
        max: 20,
      });
      const victim = ctx.rng.pick(sim.nodeIds);
      const survivors = sim.nodeIds.filter((n) => n !== victim);
      const crashAt = 2_000 + ctx.rng.int(1_000);
      await sim.runFor(500);
      const before = heartbeatsSent(sim);
      await sim.runFor(crashAt - 500);
      const after = heartbeatsSent(sim);
      const periods = (crashAt - 500) / INTERVAL_MS;
      for (const n of sim.nodeIds) {
        const sent = (after.get(n) ?? 0) - (before.get(n) ?? 0);
        const expected = periods * (sim.nodeIds.length - 1);
        ctx.check(
          Math.abs(sent - expected) <= sim.nodeIds.length - 1,
          "a heartbeat to every peer every interval",
          () =>
            `${n} sent ${sent} heartbeats from t=500 to t=${crashAt} ms; one to each of its ${sim.nodeIds.length - 1} peers every ${INTERVAL_MS} ms makes ${Math.round(expected)}`,
        );
      }
      ctx.check(watch.mistakes.length === 0, "no live peer is suspected", () => {
        const m = watch.mistakes[0];
        return `${m?.observer} suspected ${m?.target} at t=${m?.t} ms, though every heartbeat arrives within 20 ms and the timeout is ${RULES_TIMEOUT_MS} ms`;
      });
      watch.crash(victim);
      ctx.log(`crashed ${victim} at t=${crashAt} ms`);
      const bound = RULES_TIMEOUT_MS + INTERVAL_MS;
      await sim.runFor(bound);
      const late = survivors.filter((o) => !watch.suspects(o).has(victim));
      ctx.check(
        late.length === 0,
        "a crash is suspected within timeout + one interval",
        () =>
          `${victim} crashed at t=${crashAt} ms; ${bound} ms later (timeout ${RULES_TIMEOUT_MS} + interval ${INTERVAL_MS}) ${late.join(", ")} still did not suspect it`,
      );
      await sim.runFor(700);
      const withdrawn = watch.withdrawnWhileDown[0];
      ctx.check(
        !withdrawn,
        "a crashed peer stays suspected",
        () =>
          `${withdrawn?.observer} stopped suspecting ${withdrawn?.target} at t=${withdrawn?.t} ms while it was still down: nothing was heard from it`,
      );
      ctx.check(watch.mistakes.length === 0, "no live peer is suspected", () => {
        const m = watch.mistakes[0];
        return `${m?.observer} suspected ${m?.target} at t=${m?.t} ms, though only ${victim} had crashed`;
      });
      watch.restart(victim);
      const back = sim.now;
      const heardWithin = INTERVAL_MS + 20 + 10;
      await sim.runFor(heardWithin);
      const still = survivors.filter((o) => watch.suspects(o).has(victim));
      ctx.check(
        still.length === 0,
        "a suspicion ends when the peer is heard again",
        () =>
          `${victim} restarted at t=${back} ms and heartbeats again; ${heardWithin} ms later ${still.join(", ")} still suspect it`,
      );
      await sim.runFor(2_000);
      ctx.check(watch.mistakes.length === 0, "no live peer is suspected", () => {
        const m = watch.mistakes[0];
        return `${m?.observer} suspected ${m?.target} at t=${m?.t} ms, after ${victim} had restarted at t=${back} ms`;
      });
    },
  },
  {
    part: "A",
    name: "detection within timeout + one interval under slow heartbeats",
    points: 10,
    seeds: 3,
    hints: [
      "The same detector, now with one heartbeat in five slow (up to 400 ms), jitter, and nodes that pause up to 500 ms. For every timeout of the table, a crash must be suspected within timeout + interval + 400 ms.",
      "The bound assumes you look for silent peers every CHECK_INTERVAL_MS and measure silence from the last heartbeat heard, with env.now(). A check timer that is not re-armed, or a silence measured from the last check, misses it.",
      "With the 1500 ms timeout, longer than any live peer's silence here (200 + 500 + 400 ms), false suspicions must be rare too: suspect only peers silent for longer than the timeout, and trust them again at their next heartbeat.",
    ],
    async run(ctx) {
      const rows: Array<{ m: Measured; bounds: Bounds }> = [];
      for (const timeoutMs of TRADE_OFF_TIMEOUTS) {
        const m = await measure(ctx, `timeout ${timeoutMs} ms`, heartbeatNode(ctx, timeoutMs), SLOW_LINKS, 40_000);
        // Above the longest silence of a live peer a fixed timeout must also be accurate.
        const accurate =
          timeoutMs > longestSilence(SLOW_LINKS)
            ? { mistakesPerNodeHour: CHOSEN_MISTAKES_PER_NODE_HOUR, wrongTimePct: WRONG_TIME_PCT }
            : {};
        rows.push({ m, bounds: { detectionMaxMs: fixedTimeoutBound(timeoutMs, SLOW_LINKS), ...accurate } });
      }
      const table = experimentTable(rows);
      ctx.show(
        `the trade-off (slow heartbeats 20% up to ${SLOW_LINKS.slowDelayMaxMs} ms, pauses up to ${SLOW_LINKS.pauseMaxMs} ms):\n${table}`,
      );
      for (const { m, bounds } of rows) {
        requireDetections(ctx, m, bounds.detectionMaxMs as number, table);
        const allowed = bounds.mistakesPerNodeHour;
        requireAccuracy(ctx, m, bounds, table);
        ctx.check(
          allowed === undefined || m.mistakesPerNodeHour <= allowed,
          "no false suspicions above the longest silence",
          () =>
            `with ${m.label}, longer than any live peer's silence (${longestSilence(SLOW_LINKS)} ms), there were ${m.mistakes.length} false suspicions (${m.mistakesPerNodeHour.toFixed(1)} per node-hour, at most ${allowed}): a live peer is suspected only when it has been silent longer than the timeout\n${table}`,
        );
      }
    },
  },
  {
    part: "A",
    name: "the chosen timeout keeps false suspicions rare",
    points: 10,
    seeds: 3,
    hints: [
      "chooseTimeout must return a timeout longer than the longest silence of a live peer, and not much longer: a crash must still be detected within twice that silence (p99).",
      "A live peer is silent longest when it pauses right after a heartbeat (interval + pause) and the next heartbeat is slow (+ slowDelayMaxMs). Add a margin of about one interval.",
      "The grader tries two sets of conditions (slow links; long pauses): compute the timeout from the conditions you are given, do not return a constant.",
    ],
    async run(ctx) {
      const rows: Array<{ m: Measured; bounds: Bounds }> = [];
      for (const [name, c] of [
        ["slow links", SLOW_LINKS],
        ["long pauses", LONG_PAUSES],
      ] as const) {
        const timeoutMs = ctx.impl.chooseTimeout({ ...c, delayMs: [...c.delayMs] });
        ctx.check(
          typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs > 0,
          "chooseTimeout returns a timeout",
          () =>
            `chooseTimeout(${JSON.stringify(c)}) returned ${String(timeoutMs)}: a positive number of ms is expected`,
        );
        const m = await measure(
          ctx,
          `${name}: chooseTimeout = ${Math.round(timeoutMs)} ms`,
          heartbeatNode(ctx, timeoutMs),
          c,
          120_000,
        );
        rows.push({
          m,
          bounds: {
            p99Ms: 2 * longestSilence(c),
            mistakesPerNodeHour: CHOSEN_MISTAKES_PER_NODE_HOUR,
            wrongTimePct: WRONG_TIME_PCT,
          },
        });
      }
      const table = experimentTable(rows);
      ctx.show(`the chosen timeouts:\n${table}`);
      for (const { m, bounds } of rows) {
        const miss = m.misses[0];
        ctx.check(
          !miss,
          "every crash is detected",
          () =>
            `${miss?.observer} never suspected ${miss?.target}, down from t=${miss?.crashedAt} ms until its restart at t=${miss?.restartedAt} ms (${m.label})\n${table}`,
        );
        requireAccuracy(ctx, m, bounds, table);
        ctx.check(
          m.mistakesPerNodeHour <= (bounds.mistakesPerNodeHour as number),
          "false suspicions per node-hour within the bound",
          () => {
            const first = m.mistakes
              .slice(0, 3)
              .map(
                (x) => `${x.observer} suspected ${x.target} at t=${x.t} ms${x.paused ? " (paused, not crashed)" : ""}`,
              );
            return `with ${m.label}: ${m.mistakes.length} false suspicions, ${m.mistakesPerNodeHour.toFixed(1)} per node-hour, over ${bounds.mistakesPerNodeHour} (${first.join("; ")})\n${table}`;
          },
        );
        ctx.check(
          m.p99 <= (bounds.p99Ms as number),
          "detection p99 within twice the longest silence",
          () =>
            `with ${m.label}: detection p99 ${m.p99} ms, over ${bounds.p99Ms} ms: the timeout is longer than it needs to be\n${table}`,
        );
      }
    },
  },
];
