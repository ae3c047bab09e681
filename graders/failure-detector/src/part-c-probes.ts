/**
 * Part C, the probe itself: an ack counts only for the ping whose `seq` it carries, members
 * held dead are left out of the round-robin (pinged only every DEAD_PROBE_EVERY periods, by the
 * dead probe), the round-robin bounds the time between two probes of a member (SWIM §4.3), news
 * about a known member does not put it in the order again, and a failed probe asks exactly k
 * other live members (SWIM §3.1). These bugs leave the views right in the other tests: a foreign
 * ack must reach a prober in the very period its target is down, a dead member pinged too often
 * costs a message or two per period, inside the load test's bound of 3, a random target each
 * period finds a crash in e/(e − 1) periods on average, inside the detection bound's slack, and
 * with every other path working one useful helper of three keeps a target alive.
 */
import type { Scenario, ScenarioContext } from "@faultline/grading";
import { eventMessage, type NodeId } from "@faultline/sim";
import { DEAD_PROBE_EVERY, PING_REQ_MEMBERS, PROTOCOL_PERIOD_MS } from "@faultline/lab-failure-detector";
import type { L, Sim } from "./cluster.ts";
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
/** How long the two members of one bad link fail to probe each other directly. */
const CUT_WINDOW_MS = 20_000;

interface ProbeGaps {
  /** The longest stretch, in periods, a prober went without pinging a target, and the pair. */
  worst: { gap: number; prober: NodeId; target: NodeId };
  /** The mean of the gaps between two pings of a pair, in periods (NaN without any). */
  mean: number;
  perMemberPerPeriod: number;
}

/**
 * Every ping `probers` send to `targets` over the next `windowMs`, and per pair the longest
 * stretch without one, the window's edges included (a pair never probed counts the whole
 * window): an open stretch at an edge is never longer than the true gap.
 */
async function measureProbeGaps(
  sim: Sim,
  probers: readonly NodeId[],
  targets: readonly NodeId[],
  windowMs: number,
): Promise<ProbeGaps> {
  const pings = new Map<string, number[]>();
  const from = sim.now;
  const to = from + windowMs;
  sim.onEvent((e) => {
    if (e.kind !== "send" || e.peer === undefined || e.t > to || !probers.includes(e.node)) return;
    const msg = eventMessage<{ type?: string }>(e);
    if (msg?.type !== "ping") return;
    const key = `${e.node} ${e.peer}`;
    const times = pings.get(key) ?? [];
    times.push(e.t);
    pings.set(key, times);
  });
  await sim.runFor(windowMs);
  let worst = { gap: -1, prober: "", target: "" };
  let gaps = 0;
  let sum = 0;
  let total = 0;
  for (const prober of probers) {
    for (const target of targets) {
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
  return {
    worst,
    mean: gaps > 0 ? sum / gaps : Number.NaN,
    perMemberPerPeriod: total / probers.length / (windowMs / PROTOCOL_PERIOD_MS),
  };
}

/**
 * 8 members and a scripted ninth (EchoMember) that joins like a member and answers every ping;
 * returns once every member has probed it (it is in every probe order, within two rounds).
 */
async function withEchoMember(ctx: ScenarioContext<L>) {
  const c = swimCluster(ctx, 8, { clients: 1 });
  const { sim, watch, seed } = c;
  const echo = new EchoMember(sim, sim.clientIds[0] as NodeId, seed);
  await requireJoined(ctx, c);
  await sim.runUntil(() => echo.lastPing.size === sim.nodeIds.length, { maxMs: 6_000 });
  return { c, sim, watch, echo };
}

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
      // 8 members and a scripted ninth, which answers every ping and then acks old pings again
      // (its stale acks need the seq of a ping from each member).
      const { sim, watch, echo } = await withEchoMember(ctx);
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
      const gaps = await measureProbeGaps(sim, sim.nodeIds, sim.nodeIds, GAP_WINDOW_MS);
      const { worst } = gaps;
      const bound = probeGapBound(n);
      ctx.metric("longest gap between two probes of a member (periods)", worst.gap);
      const table = formatTable([
        { title: "members", cells: [String(n)] },
        { title: "probes / member / period", cells: [gaps.perMemberPerPeriod.toFixed(2)] },
        { title: "mean gap (periods)", cells: [Number.isNaN(gaps.mean) ? "-" : gaps.mean.toFixed(2)] },
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
      // From the crashes on: a ping to a crashed member followed by ping-reqs about it is a probe
      // of the round-robin (the dead probe sends no ping-req). Held dead when it was sent, it is a
      // probe of a member that died during the round.
      const pingedHeldDead = new Map<string, number>();
      const deadProbed: Array<{ prober: NodeId; member: NodeId; t: number }> = [];
      sim.onEvent((e) => {
        if (e.kind !== "send" || e.peer === undefined || !survivors.includes(e.node)) return;
        const msg = eventMessage<{ type?: string; target?: NodeId }>(e);
        if (msg?.type === "ping" && victims.includes(e.peer)) {
          const key = `${e.node} ${e.peer}`;
          if (watch.statusOf(e.node, e.peer) === "dead") pingedHeldDead.set(key, e.t);
          else pingedHeldDead.delete(key);
        } else if (msg?.type === "ping-req" && msg.target !== undefined) {
          const key = `${e.node} ${msg.target}`;
          const t = pingedHeldDead.get(key);
          if (t === undefined || e.t - t > PROTOCOL_PERIOD_MS) return;
          pingedHeldDead.delete(key);
          deadProbed.push({ prober: e.node, member: msg.target, t });
        }
      });
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
      ctx.metric("round-robin probes of members held dead", deadProbed.length);
      const table = formatTable([
        { title: "crashed, held dead by all", cells: [victims.join(", ")] },
        { title: "round-robin probes of a member held dead", cells: [withBound(deadProbed.length, 0)] },
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
        deadProbed.length === 0,
        "members held dead are left out of the round-robin",
        () =>
          `${deadProbed
            .slice(0, 3)
            .map((d) => `${d.prober} probed ${d.member} at t=${d.t} ms (a ping, then ping-reqs about it)`)
            .join(
              "; ",
            )}, though it held it dead already: a member that dies during a round stays in that round's list, so take the next member only if you do not hold it dead (${deadProbed.length} such probes)\n${table}`,
      );
      ctx.check(
        perMember <= DEAD_PINGS_PER_MEMBER_PER_PERIOD,
        "members held dead are pinged only by the dead probe",
        () =>
          `each survivor sent ${perMember.toFixed(2)} pings per period to members it held dead (at most ${DEAD_PINGS_PER_MEMBER_PER_PERIOD}: the dead probe pings one of them every ${DEAD_PROBE_EVERY} periods): dead members are still in the probe order, or the dead probe runs more often than every DEAD_PROBE_EVERY periods\n${table}`,
      );
    },
  },
  {
    part: "C",
    name: `a failed probe asks ${PING_REQ_MEMBERS} other live members, never its target`,
    points: 2,
    seeds: 2,
    hints: [
      `When the direct ack is late, pick PING_REQ_MEMBERS (${PING_REQ_MEMBERS}) helpers at random among the members you do not hold dead, the target left out (SWIM §3.1), and send each one ping-req: the target cannot vouch for itself, and a member held dead never answers. With fewer such members, ask them all.`,
      "Exactly k helpers, not every member: ping-req costs a message to each helper, a ping to the target from each and its ack relayed back, so asking everyone makes a failed probe cost O(n) messages.",
    ],
    async run(ctx) {
      const c = swimCluster(ctx, 8);
      const { sim, watch } = c;
      await requireJoined(ctx, c);
      await sim.runFor(1_000);
      // First one member dies, and every survivor holds it dead: it must never be asked to help.
      const dead = ctx.rng.pick(sim.nodeIds.slice(1));
      watch.crash(dead);
      const survivors = sim.nodeIds.filter((o) => o !== dead);
      const bound = detectionBoundMs(sim.nodeIds.length);
      const buried = await sim.runUntil(() => survivors.every((o) => watch.statusOf(o, dead) === "dead"), {
        maxMs: bound,
      });
      ctx.check(
        buried,
        "crashed members are marked dead everywhere",
        () =>
          `${bound} ms after ${dead} crashed, ${survivors.filter((o) => watch.statusOf(o, dead) !== "dead").join(", ")} still hold it alive or suspect`,
      );
      if (!buried) return;
      await sim.runFor(SETTLE_MS);
      // Then one bad link: a and b cannot hear each other, so every probe of one by the other fails
      // directly (on these links every other ack comes back within 40 ms).
      const [a, b] = ctx.rng.shuffle(survivors).slice(0, 2) as [NodeId, NodeId];
      sim.setLinkFaults(a, b, { drop: 1 });
      sim.setLinkFaults(b, a, { drop: 1 });
      const probes: Array<{ prober: NodeId; target: NodeId; t: number; eligible: number; helpers: NodeId[] }> = [];
      const heldDead = new Set<string>();
      // The probes whose period ends before the link is restored.
      const lastProbeAt = sim.now + CUT_WINDOW_MS - PROTOCOL_PERIOD_MS;
      sim.onEvent((e) => {
        if (e.kind !== "send" || e.peer === undefined || !survivors.includes(e.node)) return;
        const msg = eventMessage<{ type?: string; target?: NodeId }>(e);
        const across = (e.node === a && e.peer === b) || (e.node === b && e.peer === a);
        if (msg?.type === "ping" && across && e.t <= lastProbeAt) {
          // The members this prober may ask: not itself, not the target, not held dead.
          const eligible = [...watch.view(e.node).values()].filter(
            (u) => u.member !== e.node && u.member !== e.peer && u.status !== "dead",
          ).length;
          probes.push({ prober: e.node, target: e.peer, t: e.t, eligible, helpers: [] });
          return;
        }
        if (msg?.type !== "ping-req") return;
        const probe = probes.findLast((p) => p.prober === e.node && p.target === msg.target);
        if (!probe || e.t - probe.t > PROTOCOL_PERIOD_MS) return;
        probe.helpers.push(e.peer);
        if (watch.statusOf(e.node, e.peer) === "dead") heldDead.add(`${e.node} asked ${e.peer}`);
      });
      await sim.runFor(CUT_WINDOW_MS);
      sim.setLinkFaults(a, b, undefined);
      sim.setLinkFaults(b, a, undefined);
      const wrongCount = probes.filter(
        (p) =>
          p.helpers.length !== Math.min(PING_REQ_MEMBERS, p.eligible) || new Set(p.helpers).size !== p.helpers.length,
      );
      const toTarget = probes.filter((p) => p.helpers.includes(p.target));
      const toDead = probes.filter((p) => p.helpers.some((h) => heldDead.has(`${p.prober} asked ${h}`)));
      const sizes = probes.map((p) => p.helpers.length);
      ctx.metric("failed probes across the bad link", probes.length);
      ctx.metric("ping-reqs per failed probe, most", sizes.length > 0 ? Math.max(...sizes) : 0);
      const table = formatTable([
        { title: "held dead by all", cells: [dead] },
        { title: "bad link", cells: [`${a} <-> ${b}`] },
        { title: "failed probes", cells: [String(probes.length)] },
        {
          title: "ping-reqs per failed probe",
          cells: [sizes.length > 0 ? `${Math.min(...sizes)}-${Math.max(...sizes)} (= ${PING_REQ_MEMBERS})` : "-"],
        },
        { title: "asked the target", cells: [withBound(toTarget.length, 0)] },
        { title: "asked a member held dead", cells: [withBound(toDead.length, 0)] },
      ]);
      const describe = (p: (typeof probes)[number]) =>
        `${p.prober}'s probe of ${p.target} at t=${p.t} ms asked [${p.helpers.join(", ")}]`;
      ctx.show(
        `ping-reqs of the probes across a bad link over ${CUT_WINDOW_MS / 1000} s, ${dead} held dead by all:\n${table}`,
      );
      ctx.check(
        probes.length > 0,
        "the members of a bad link probe each other",
        () =>
          `over ${CUT_WINDOW_MS / 1000} s neither ${a} nor ${b} pinged the other: each member is probed by every other once per round of n − 1 periods\n${table}`,
      );
      ctx.check(
        toTarget.length === 0 && toDead.length === 0,
        "ping-req goes to other members not held dead",
        () =>
          `${describe((toTarget[0] ?? toDead[0]) as (typeof probes)[number])}: ${toTarget.length} failed probes asked their own target, ${toDead.length} a member the prober held dead (${dead}). Neither can help: the target is the member in doubt, and a dead member never answers, so fewer than ${PING_REQ_MEMBERS} helpers really try (SWIM §3.1)\n${table}`,
      );
      ctx.check(wrongCount.length === 0, `a failed probe sends ${PING_REQ_MEMBERS} ping-reqs`, () => {
        const p = wrongCount[0] as (typeof probes)[number];
        return `${describe(p)}: ${p.helpers.length} ping-reqs, where it held ${p.eligible} other members not dead, so exactly ${Math.min(PING_REQ_MEMBERS, p.eligible)} (PING_REQ_MEMBERS, each asked once). Asking every member costs O(n) messages per failed probe; asking fewer leaves the target to fewer paths\n${table}`;
      });
    },
  },
  {
    part: "C",
    name: `every member is probed within ${probeGapBound(9)} periods while one refutes every period`,
    points: 2,
    seeds: 2,
    hints: [
      "A member enters the probe order once: when you first hear of it, at a random place in what is left of the round (SWIM §4.3). News about a member you know (a suspicion, a refutation, its death) changes its status and incarnation, not its place: inserted again, it is probed twice in one round, and every other member waits a period longer.",
    ],
    async run(ctx) {
      // 8 members and a scripted ninth, which answers every ping and keeps suspecting one member.
      const { sim, watch, echo } = await withEchoMember(ctx);
      await sim.runFor(SETTLE_MS);
      const m = ctx.rng.pick(sim.nodeIds);
      const inc0 = watch.incarnations.get(m) ?? 0;
      echo.suspectEvery(m, PROTOCOL_PERIOD_MS, () => watch.incarnations.get(m) ?? 0);
      const members = [...sim.nodeIds, echo.id];
      const n = members.length;
      const gaps = await measureProbeGaps(sim, sim.nodeIds, members, GAP_WINDOW_MS);
      const { worst } = gaps;
      const bound = probeGapBound(n);
      const refutations = (watch.incarnations.get(m) ?? 0) - inc0;
      const periods = GAP_WINDOW_MS / PROTOCOL_PERIOD_MS;
      ctx.metric("longest gap between two probes of a member (periods)", worst.gap);
      ctx.metric(`refutations of ${m}`, refutations);
      const table = formatTable([
        { title: "members", cells: [String(n)] },
        { title: `refutations of ${m}`, cells: [String(refutations)] },
        { title: "probes / member / period", cells: [gaps.perMemberPerPeriod.toFixed(2)] },
        { title: "mean gap (periods)", cells: [Number.isNaN(gaps.mean) ? "-" : gaps.mean.toFixed(2)] },
        { title: "longest gap (periods)", cells: [withBound(worst.gap, bound)] },
        { title: "prober -> member", cells: [`${worst.prober} -> ${worst.target}`] },
      ]);
      ctx.show(
        `probes over ${GAP_WINDOW_MS / 1000} s while ${echo.id} tells ${m} every period that it is suspected:\n${table}`,
      );
      ctx.check(
        worst.gap <= bound,
        "every member is probed within 2(n − 1) − 1 periods",
        () =>
          `${worst.prober} went ${worst.gap} periods without probing ${worst.target} (at most ${bound} for ${n} members) while ${m} refuted a suspicion every period: news about a member already in the probe order must not put it in again, or each refutation makes the round one period longer\n${table}`,
      );
      ctx.check(
        refutations >= periods / 2,
        "a suspected member refutes with a higher incarnation",
        () =>
          `${echo.id} told ${m} ${echo.suspicionsSent} times that it suspected it at its current incarnation, and ${m} refuted ${refutations} times: a member that hears it is suspected increments its incarnation and announces itself alive (SWIM §4.2)\n${table}`,
      );
    },
  },
];
