/**
 * Part C, the probe itself: an ack counts only for the ping whose `seq` it carries, members
 * held dead are left out of the round-robin (pinged only every DEAD_PROBE_EVERY periods, by the
 * dead probe), and the round-robin bounds the time between two probes of a member (SWIM §4.3).
 * These bugs leave the views right in the other tests: a foreign ack must reach a prober in the
 * very period its target is down, a dead member pinged too often costs a message or two per
 * period, inside the load test's bound of 3, and a random target each period finds a crash in
 * e/(e − 1) periods on average, inside the detection bound's slack.
 */
import type { Scenario } from "@faultline/grading";
import { eventMessage, type NodeId } from "@faultline/sim";
import { DEAD_PROBE_EVERY, PING_REQ_MEMBERS, PROTOCOL_PERIOD_MS } from "@faultline/lab-failure-detector";
import type { L } from "./cluster.ts";
import { EchoMember } from "./echo-member.ts";
import { detectionBoundMs, requireJoined, swimCluster } from "./part-c.ts";
import { formatTable, withBound } from "./table.ts";

/** The scripted member sends its stale acks this often (ms): several in every period. */
const ECHO_EVERY_MS = 40;
/** Pings to members held dead, per live member per period: the dead probe's 1 / DEAD_PROBE_EVERY, with room for the window's edges. */
export const DEAD_PINGS_PER_MEMBER_PER_PERIOD = 0.5;
const SETTLE_MS = 1_000;
const DEAD_WINDOW_MS = 4_000;
/**
 * The longest time between two probes of one member by another, in periods, for a group of `n`:
 * a round-robin over the other n − 1, shuffled once per round, probes a member first in one
 * round and last in the next at worst, 2(n − 1) − 1 periods apart (SWIM §4.3). Random picks
 * have no such bound: at 8 members a target is missed 13 periods in a row with odds (6/7)^13.
 */
export function probeGapBound(n: number): number {
  return 2 * (n - 1) - 1;
}
/** The probe gaps are measured over this window, on calm links once the views converged. */
const GAP_WINDOW_MS = 20_000;

export const partCProbes: Array<Scenario<L>> = [
  {
    part: "C",
    name: "an ack counts only for the ping it answers",
    points: 3,
    seeds: 2,
    hints: [
      "An ack answers the ping whose seq it carries (SWIM §3.1): mark this period's probe acked only when msg.seq is the probe's seq. Acks of earlier probes arrive late, and duplicated; taken for the current probe, they keep a crashed target alive.",
      "A relayed ack comes back with your seq (the helper keeps your seq next to its own): match it the same way.",
    ],
    async run(ctx) {
      // 8 members and a scripted ninth, which answers every ping and then acks old pings again.
      const c = swimCluster(ctx, 8, { clients: 1 });
      const { sim, watch, seed } = c;
      const echo = new EchoMember(sim, sim.clientIds[0] as NodeId, seed);
      await requireJoined(ctx, c);
      // Its stale acks need the seq of a ping from each member: every member probes it within two rounds.
      await sim.runUntil(() => echo.lastPing.size === sim.nodeIds.length, { maxMs: 6_000 });
      echo.echoEvery(ECHO_EVERY_MS);
      await sim.runFor(1_000);
      const victim = ctx.rng.pick(sim.nodeIds.slice(1));
      watch.crash(victim);
      ctx.log(`${echo.id} acks old pings again every ${ECHO_EVERY_MS} ms; ${victim} crashed at t=${sim.now} ms`);
      const bound = detectionBoundMs(sim.nodeIds.length + 1);
      const start = sim.now;
      await sim.runUntil(() => sim.nodeIds.every((o) => o === victim || watch.statusOf(o, victim) === "dead"), {
        maxMs: bound,
      });
      const alive = sim.nodeIds.filter((o) => o !== victim && watch.statusOf(o, victim) !== "dead");
      if (alive.length === 0) ctx.metric("crash marked dead everywhere after", sim.now - start, "ms");
      const table = formatTable([
        { title: "crashed member", cells: [victim] },
        { title: "stale acks sent", cells: [String(echo.staleAcks)] },
        { title: "members not holding it dead", cells: [withBound(alive.length, 0)] },
        {
          title: "marked dead everywhere after ms",
          cells: [withBound(alive.length === 0 ? sim.now - start : Number.NaN, bound)],
        },
      ]);
      ctx.show(`a crash while ${echo.id} acks old pings again (${ECHO_EVERY_MS} ms apart):\n${table}`);
      ctx.check(
        alive.length === 0,
        "a stale ack does not keep a crashed member alive",
        () =>
          `${bound} ms after ${victim} crashed, ${alive.join(", ")} still hold it ${watch.statusOf(alive[0] as NodeId, victim)}, while ${echo.id} kept sending acks of pings that had been answered long before: a probe whose ping got no ack carrying its seq (direct or relayed) makes its target suspect, and an ack of another ping is no answer to it\n${table}`,
      );
    },
  },
  {
    part: "C",
    name: `every member is probed by each other within ${probeGapBound(8)} periods`,
    points: 3,
    seeds: 2,
    hints: [
      "Pick the probe target round-robin over a list of the other members, shuffled once per round (SWIM §4.3), not at random each period: a random pick misses a member for many periods in a row now and then, and a crash waits that long to be noticed.",
      "At the end of the list (index === length) reshuffle and start again at 0 in the same period: a period that probes nobody, or a list with a hole, makes the round one period longer.",
    ],
    async run(ctx) {
      const c = swimCluster(ctx, 8);
      const { sim } = c;
      const n = sim.nodeIds.length;
      await requireJoined(ctx, c);
      await sim.runFor(SETTLE_MS);
      // On calm links every ack comes back within 40 ms: no ping-req, no relayed ping, nobody held
      // dead. Every ping is a probe.
      const pings = new Map<string, number[]>();
      const from = sim.now;
      sim.onEvent((e) => {
        if (e.kind !== "send" || e.peer === undefined || e.t > from + GAP_WINDOW_MS) return;
        const msg = eventMessage<{ type?: string }>(e);
        if (msg?.type !== "ping") return;
        const key = `${e.node} ${e.peer}`;
        const times = pings.get(key) ?? [];
        times.push(e.t);
        pings.set(key, times);
      });
      await sim.runFor(GAP_WINDOW_MS);
      const to = from + GAP_WINDOW_MS;
      // Per pair, the longest stretch without a probe, the window's edges included (a pair never
      // probed counts the whole window): an open stretch at an edge is never longer than the true gap.
      const bound = probeGapBound(n);
      let worst = { gap: -1, prober: "", target: "" };
      let gaps = 0;
      let sum = 0;
      let total = 0;
      for (const prober of sim.nodeIds) {
        for (const target of sim.nodeIds) {
          if (prober === target) continue;
          const times = pings.get(`${prober} ${target}`) ?? [];
          total += times.length;
          const edges = [from, ...times, to];
          for (let i = 1; i < edges.length; i++) {
            const gap = Math.round(((edges[i] as number) - (edges[i - 1] as number)) / PROTOCOL_PERIOD_MS);
            if (i > 1 && i < edges.length - 1) {
              gaps++;
              sum += gap;
            }
            if (gap > worst.gap) worst = { gap, prober, target };
          }
        }
      }
      const periods = GAP_WINDOW_MS / PROTOCOL_PERIOD_MS;
      ctx.metric("longest gap between two probes of a member (periods)", worst.gap);
      const table = formatTable([
        { title: "members", cells: [String(n)] },
        { title: "probes / member / period", cells: [(total / n / periods).toFixed(2)] },
        { title: "mean gap (periods)", cells: [gaps > 0 ? (sum / gaps).toFixed(2) : "-"] },
        { title: "longest gap (periods)", cells: [withBound(worst.gap, bound)] },
        { title: "prober -> member", cells: [`${worst.prober} -> ${worst.target}`] },
      ]);
      ctx.show(`probes over ${GAP_WINDOW_MS / 1000} s on calm links, ${SETTLE_MS / 1000} s after the joins:\n${table}`);
      ctx.check(
        worst.gap <= bound,
        "every member is probed within 2(n − 1) − 1 periods",
        () =>
          `${worst.prober} went ${worst.gap} periods without probing ${worst.target} (at most ${bound} for ${n} members: round-robin over the other ${n - 1}, shuffled once per round, probes each once per round of ${n - 1} periods). A random target each period, a period that probes nobody, or a round longer than ${n - 1} periods leaves a member unprobed that long, and a crash of it unnoticed\n${table}`,
      );
    },
  },
  {
    part: "C",
    name: `members held dead are pinged every ${DEAD_PROBE_EVERY} periods only`,
    points: 3,
    seeds: 2,
    hints: [
      `The round-robin probe order holds the members not held dead: skip the dead when you build the shuffled list and when you take the next one (a member can die during a round). A dead target gets no ack, so probing it costs a ping-req to PING_REQ_MEMBERS (${PING_REQ_MEMBERS}) helpers and their pings too, every round.`,
      `Members held dead get only the dead probe: one ping every DEAD_PROBE_EVERY (${DEAD_PROBE_EVERY}) periods, to one of them, with its "dead" piggybacked, so that after a partition heals it hears it and refutes.`,
    ],
    async run(ctx) {
      const c = swimCluster(ctx, 8);
      const { sim, watch } = c;
      await requireJoined(ctx, c);
      await sim.runFor(1_000);
      const victims = ctx.rng.shuffle(sim.nodeIds.slice(1)).slice(0, 2);
      for (const v of victims) watch.crash(v);
      const survivors = sim.nodeIds.filter((o) => !victims.includes(o));
      const buried = () => survivors.every((o) => victims.every((v) => watch.statusOf(o, v) === "dead"));
      const bound = detectionBoundMs(sim.nodeIds.length);
      const detected = await sim.runUntil(buried, { maxMs: bound });
      ctx.check(
        detected,
        "crashed members are marked dead everywhere",
        () =>
          `${bound} ms after ${victims.join(" and ")} crashed, ${survivors.filter((o) => victims.some((v) => watch.statusOf(o, v) !== "dead")).join(", ")} still hold one of them alive or suspect`,
      );
      if (!detected) return;
      await sim.runFor(SETTLE_MS);
      // Every ping a survivor sends to a crashed member from now on goes to a member it holds dead.
      let deadPings = 0;
      let pings = 0;
      let counting = true;
      sim.onEvent((e) => {
        if (!counting || e.kind !== "send" || !survivors.includes(e.node) || e.peer === undefined) return;
        const msg = eventMessage<{ type?: string }>(e);
        if (msg?.type !== "ping") return;
        pings++;
        if (victims.includes(e.peer)) deadPings++;
      });
      await sim.runFor(DEAD_WINDOW_MS);
      counting = false;
      const periods = DEAD_WINDOW_MS / PROTOCOL_PERIOD_MS;
      const perMember = deadPings / survivors.length / periods;
      ctx.metric("pings to members held dead per member per period", perMember);
      const table = formatTable([
        { title: "crashed, held dead by all", cells: [victims.join(", ")] },
        { title: "pings / member / period", cells: [(pings / survivors.length / periods).toFixed(2)] },
        {
          title: "of them to members held dead",
          cells: [withBound(perMember, DEAD_PINGS_PER_MEMBER_PER_PERIOD, 2)],
        },
      ]);
      ctx.show(
        `pings over ${DEAD_WINDOW_MS / 1000} s, ${SETTLE_MS / 1000} s after every survivor held both crashed members dead:\n${table}`,
      );
      ctx.check(
        perMember <= DEAD_PINGS_PER_MEMBER_PER_PERIOD,
        "members held dead are pinged only by the dead probe",
        () =>
          `each survivor sent ${perMember.toFixed(2)} pings per period to members it held dead (at most ${DEAD_PINGS_PER_MEMBER_PER_PERIOD}: the dead probe pings one of them every ${DEAD_PROBE_EVERY} periods): dead members are still in the probe order, or the dead probe runs more often than every DEAD_PROBE_EVERY periods\n${table}`,
      );
    },
  },
];
