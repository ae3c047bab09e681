/**
 * Part C: SWIM membership. Members join through a seed, crash and restart, and a partition cuts
 * the group in two and heals; the grader reads every member's view and requires them all to
 * converge. A paused member and a member behind one bad link must be suspected at most briefly
 * and never declared dead; stale gossip, delivered seconds late, must not revive a dead member;
 * and from 8 to 64 members the messages per member per period stay constant while detection
 * time grows at most logarithmically. Every test prints its table.
 */
import type { Scenario } from "@faultline/grading";
import type { Delay, NodeId } from "@faultline/sim";
import { PROTOCOL_PERIOD_MS, suspicionTimeoutMs } from "@faultline/lab-failure-detector";
import type { Ctx, L, Sim } from "./cluster.ts";
import { describeEvents, SwimWatch } from "./swim-watch.ts";
import { formatTable, withBound } from "./table.ts";
import { quantile } from "./watch.ts";

const FAST: Delay = { kind: "uniform", min: 1, max: 20 };
/** The views are read this often (ms of virtual time). */
const READ_EVERY_MS = 20;

export interface SwimCluster {
  sim: Sim;
  watch: SwimWatch;
  seed: NodeId;
}

/** `nodes` SWIM members, all joining through the first one at start (and `clients` endpoints the grader scripts). */
export function swimCluster(
  ctx: Ctx,
  nodes: number,
  opts: { drop?: number; readEveryMs?: number; clients?: number } = {},
): SwimCluster {
  const seedBox: { id?: NodeId } = {};
  const sim: Sim = ctx.sim({
    nodes,
    clients: opts.clients,
    factory: () => new ctx.impl.SwimNode({ seed: seedBox.id as NodeId }),
    faults: { delay: FAST, drop: opts.drop ?? 0 },
  });
  seedBox.id = sim.nodeIds[0] as NodeId;
  return { sim, watch: new SwimWatch(sim, opts.readEveryMs ?? READ_EVERY_MS), seed: seedBox.id };
}

/** Run until every live member's view is right, at most `maxMs`; how long it took (NaN if it did not). */
export async function converge(c: SwimCluster, maxMs: number): Promise<number> {
  const from = c.sim.now;
  const ok = await c.sim.runUntil(() => c.watch.unconverged().length === 0, { maxMs });
  return ok ? c.sim.now - from : Number.NaN;
}

function viewsOf(c: SwimCluster, observers: readonly NodeId[]): string {
  return observers
    .slice(0, 3)
    .map(
      (o) => `${o}: ${[...c.watch.view(o).values()].map((u) => `${u.member}=${u.status}/${u.incarnation}`).join(" ")}`,
    )
    .join("\n");
}

/** For `ms`, everything `w` sends arrives 1-4 s late. */
function slowFor(sim: Sim, w: NodeId, ms: number): void {
  for (const p of sim.nodeIds)
    if (p !== w) sim.setLinkFaults(w, p, { delay: { kind: "uniform", min: 1_000, max: 4_000 } });
  sim.after(ms, `${w} fast again`, () => {
    for (const p of sim.nodeIds) if (p !== w) sim.setLinkFaults(w, p, undefined);
  });
}

/** The opening phase of several tests: the members join, and every view is right within JOIN_BOUND_MS. */
export async function requireJoined(ctx: Ctx, c: SwimCluster): Promise<void> {
  const took = await converge(c, JOIN_BOUND_MS);
  ctx.check(
    !Number.isNaN(took),
    "views converge after joins",
    () => `the views did not converge within ${JOIN_BOUND_MS} ms of the start:\n${viewsOf(c, c.watch.unconverged())}`,
  );
}

/** Convergence bounds of "views converge" (ms). */
export const JOIN_BOUND_MS = 4_000;
export const CRASH_BOUND_MS = 6_000;
export const HEAL_BOUND_MS = 8_000;
/** After a restart, what a member sends to the seed is lost this long (its first joins). */
const JOIN_LOST_MS = 500;

/** The sizes of the scaling measurement and its bounds. */
export const SIZES = [8, 16, 32, 64];
export const MESSAGES_PER_MEMBER_PER_PERIOD = 3;
export const UPDATES_PER_MEMBER_PER_PERIOD = 2;
/** After the joins the load is measured over LOAD_WINDOW_MS, SETTLE_MS after the views converged. */
const SETTLE_MS = 2_000;
const LOAD_WINDOW_MS = 2_000;
/** Detection (crash until every survivor holds the member dead) within this many periods: 6 + the suspicion timeout + 2 log2 n. */
export function detectionBoundMs(n: number): number {
  return 6 * PROTOCOL_PERIOD_MS + suspicionTimeoutMs(n) + 2 * Math.ceil(Math.log2(n)) * PROTOCOL_PERIOD_MS;
}

function requireNoFalseDeath(ctx: Ctx, w: SwimWatch, when: string): void {
  ctx.check(
    w.falseDeaths.length === 0,
    "no live member is declared dead",
    () =>
      `${describeEvents(w.falseDeaths)} (${when}), though it was up and reachable: a suspicion must last the suspicion timeout, and a refutation with a higher incarnation ends it`,
  );
}

function requireNoRegression(ctx: Ctx, w: SwimWatch): void {
  ctx.check(
    w.regressions.length === 0,
    "older news never overrides newer",
    () =>
      `${w.regressions
        .slice(0, 3)
        .map(
          (e) =>
            `${e.observer} held ${e.member} at incarnation ${e.was}, then ${e.status} at ${e.incarnation} (t=${e.t} ms)`,
        )
        .join(
          "; ",
        )}: an update about an older incarnation is stale; "dead" overrides only alive or suspect of the same or a lower incarnation (SWIM §4.2)`,
  );
}

function requireHookAgrees(ctx: Ctx, w: SwimWatch): void {
  const m = w.hookMismatch;
  ctx.check(
    m === undefined,
    "suspected() lists the members view() does not hold alive",
    () =>
      `at t=${m?.t} ms ${m?.observer}'s suspected() returned [${m?.says.join(", ")}] while its view() held [${m?.view.join(", ")}] suspect or dead: both hooks read the same membership list (sorted ids, every status but alive)`,
  );
}

function requireNoResurrection(ctx: Ctx, w: SwimWatch): void {
  ctx.check(
    w.resurrections.length === 0,
    "a dead member stays dead until it rejoins",
    () =>
      `${describeEvents(w.resurrections)}, though that member was down and had been suspected or declared dead by it: only the member itself can refute, with a higher incarnation`,
  );
}

export const partC: Array<Scenario<L>> = [
  {
    part: "C",
    name: "views converge after joins, crashes and a partition heals",
    points: 8,
    seeds: 2,
    hints: [
      'A new member sends { type: "join", incarnation } to its seed until a welcome arrives; the seed answers with every member it knows and piggybacks the newcomer\'s "alive" to the rest. Piggyback every change on your pings, acks and ping-reqs, each retransmitLimit(n) times (SWIM §4.1): sent once, a change stops spreading at the first member that already knew it.',
      'A crashed member is suspected when a probe (direct and indirect) gets no ack within the period, and declared dead after suspicionTimeoutMs(n) unless refuted. A restarted member reads its last incarnation from env.disk and comes back with a higher one, so its "alive" overrides its "dead".',
      "After a partition both sides hold the other dead and nobody probes the dead: every DEAD_PROBE_EVERY periods ping one member you hold dead, and say so in the ping's updates; a member that hears it is suspected or dead refutes with incarnation + 1.",
    ],
    async run(ctx) {
      const c = swimCluster(ctx, 8, { drop: 0.01 });
      const { sim, watch } = c;
      const rows: Array<[string, number, number]> = [];
      const table = () =>
        formatTable([
          { title: "phase", cells: rows.map((r) => r[0]) },
          { title: "views converged after ms", cells: rows.map((r) => withBound(r[1], r[2])) },
        ]);
      const phase = async (name: string, bound: number, rule: string): Promise<boolean> => {
        const took = await converge(c, bound);
        rows.push([name, Number.isNaN(took) ? bound + 1 : took, bound]);
        const stuck = watch.unconverged();
        ctx.check(
          stuck.length === 0,
          rule,
          () =>
            `${name}: ${bound} ms later these views are still wrong (member=status/incarnation):\n${viewsOf(c, stuck)}\n${table()}`,
        );
        return stuck.length === 0;
      };
      if (!(await phase("7 members join through the seed", JOIN_BOUND_MS, "views converge after joins"))) return;
      await sim.runFor(2_000);
      const victims = ctx.rng.shuffle(sim.nodeIds.slice(1)).slice(0, 2);
      for (const v of victims) watch.crash(v);
      ctx.log(`crashed ${victims.join(", ")} at t=${sim.now} ms`);
      if (
        !(await phase(`${victims.join(" and ")} crash`, CRASH_BOUND_MS, "crashed members are marked dead everywhere"))
      )
        return;
      await sim.runFor(1_000);
      // Their first joins are lost: a member asks again every period until a welcome arrives.
      for (const v of victims) {
        sim.setLinkFaults(v, c.seed, { drop: 1 });
        watch.restart(v);
        sim.after(JOIN_LOST_MS, `${v} reaches the seed again`, () => sim.setLinkFaults(v, c.seed, undefined));
      }
      if (!(await phase(`${victims.join(" and ")} restart and rejoin`, JOIN_BOUND_MS, "restarted members rejoin")))
        return;
      requireNoFalseDeath(ctx, watch, "with every member reachable");
      requireNoResurrection(ctx, watch);
      await sim.runFor(1_000);
      const left = sim.nodeIds.slice(0, 4);
      const right = sim.nodeIds.slice(4);
      sim.partition(left, right);
      watch.setCut((a, b) => left.includes(a) !== left.includes(b));
      ctx.log(`partition ${left.join(",")} | ${right.join(",")} at t=${sim.now} ms`);
      await sim.runFor(8_000);
      const unaware = left.filter((o) => right.some((m) => watch.statusOf(o, m) !== "dead"));
      ctx.check(
        unaware.length === 0,
        "a partition is detected on both sides",
        () =>
          `8 s into the partition ${unaware.join(", ")} still hold members of the other side alive or suspect\n${viewsOf(c, unaware)}`,
      );
      sim.heal();
      watch.setCut(() => false);
      ctx.log(`healed at t=${sim.now} ms`);
      await phase("the partition heals", HEAL_BOUND_MS, "views converge after a partition heals");
      ctx.show(`time for every view to converge:\n${table()}`);
      requireNoResurrection(ctx, watch);
      requireNoRegression(ctx, watch);
      requireHookAgrees(ctx, watch);
    },
  },
  {
    part: "C",
    name: "a falsely suspected member refutes and stays alive",
    points: 7,
    seeds: 2,
    hints: [
      'A member that hears it is suspected (an update about itself, status suspect, incarnation at least its own) refutes: it increments its incarnation and piggybacks { status: "alive" } with it (SWIM §4.2). Only a higher incarnation overrides a suspicion.',
      'A suspicion becomes "dead" only after suspicionTimeoutMs(n), long enough for the suspect to hear of it and its refutation to spread: a timeout of 0 kills every member that pauses for a garbage collection.',
      "Behind one bad link the direct ping fails every time: after PING_TIMEOUT_MS ask PING_REQ_MEMBERS other members (never the target itself) to ping the target and relay its ack with your seq (SWIM §3.1). Suspect only when neither ack came within the period.",
    ],
    async run(ctx) {
      const c = swimCluster(ctx, 8);
      const { sim, watch } = c;
      await requireJoined(ctx, c);
      await sim.runFor(2_000);
      // One bad link: a and b cannot hear each other, every other path works.
      const [a, b] = ctx.rng.shuffle(sim.nodeIds.slice(1)).slice(0, 2) as [NodeId, NodeId];
      sim.setLinkFaults(a, b, { drop: 1 });
      sim.setLinkFaults(b, a, { drop: 1 });
      const suspicionsBefore = watch.falseSuspicions.length;
      const linkMs = 20_000;
      await sim.runFor(linkMs);
      sim.setLinkFaults(a, b, undefined);
      sim.setLinkFaults(b, a, undefined);
      const badLink = watch.falseSuspicions.slice(suspicionsBefore);
      const linkRate = badLink.length / ((sim.nodeIds.length * linkMs) / 3_600_000);
      // Then pauses: each of four members freezes for 500-800 ms, long enough to miss its acks.
      const paused = ctx.rng.shuffle(sim.nodeIds.slice(1)).slice(0, 4);
      const pauseRows: string[][] = [];
      for (const p of paused) {
        const before = watch.falseSuspicions.length;
        const inc = watch.incarnations.get(p) ?? 0;
        const ms = 500 + ctx.rng.int(300);
        sim.pause(p);
        await sim.runFor(ms);
        sim.resume(p);
        await sim.runFor(5_000);
        const suspected = watch.falseSuspicions.slice(before).filter((e) => e.member === p).length;
        pauseRows.push([`${p} paused ${ms} ms`, String(suspected), `${inc} -> ${watch.incarnations.get(p) ?? 0}`]);
        const stuck = sim.nodeIds.filter((o) => o !== p && watch.statusOf(o, p) !== "alive");
        ctx.check(
          stuck.length === 0,
          "a refuted suspicion ends everywhere",
          () =>
            `5 s after ${p} resumed, ${stuck.join(", ")} still hold it ${watch.statusOf(stuck[0] as NodeId, p)}: it must refute with a higher incarnation, and that must override the suspicion`,
        );
        ctx.check(
          suspected === 0 || (watch.incarnations.get(p) ?? 0) > inc,
          "a suspected member refutes with a higher incarnation",
          () => `${p} was suspected ${suspected} times after its pause, and its incarnation stayed ${inc}`,
        );
      }
      const table = formatTable([
        {
          title: "what happened",
          cells: [
            `${a} and ${b} cannot hear each other for ${linkMs / 1000} s`,
            ...pauseRows.map((r) => r[0] as string),
          ],
        },
        {
          title: "false suspicions",
          cells: [
            `${badLink.length} (${linkRate.toFixed(0)} per node-hour, <= 0)`,
            ...pauseRows.map((r) => r[1] as string),
          ],
        },
        { title: "incarnation", cells: ["", ...pauseRows.map((r) => r[2] as string)] },
        { title: "declared dead", cells: [String(watch.falseDeaths.length), ...pauseRows.map(() => "")] },
      ]);
      ctx.show(`false suspicions and refutations (8 members):\n${table}`);
      const pausedSuspicions = pauseRows.reduce((sum, r) => sum + Number(r[1]), 0);
      ctx.check(
        pausedSuspicions > 0,
        "a paused member is suspected",
        () =>
          `four members paused for 500-800 ms each, missing the acks of every probe sent to them, and nobody suspected it: a probe without an ack (direct or relayed) by the end of the period makes its target suspect\n${table}`,
      );
      ctx.check(
        badLink.length === 0,
        "indirect probes keep a member behind one bad link alive",
        () =>
          `while ${a} and ${b} could not hear each other (every other link working) there were ${badLink.length} suspicions: ${describeEvents(badLink)}. When the direct ack is late, ping-req asks k other members to probe\n${table}`,
      );
      requireNoFalseDeath(ctx, watch, "paused or behind one bad link, never crashed");
      requireNoRegression(ctx, watch);
      requireHookAgrees(ctx, watch);
    },
  },
  {
    part: "C",
    name: "stale gossip never revives a dead member",
    points: 6,
    seeds: 3,
    hints: [
      'Gossip can arrive seconds late. An update overrides what you know only if it is newer: "alive" needs an incarnation above the one you hold, whatever the status (SWIM §4.2); "suspect" overrides "alive" of the same incarnation; "dead" overrides both, of the same or a lower incarnation only: a late "dead" must not bury a member that came back with a higher one.',
      'Keep dead members in your membership map, marked dead: forget them and the next stale "alive" about them looks like a new member joining.',
    ],
    async run(ctx) {
      const c = swimCluster(ctx, 8);
      const { sim, watch } = c;
      await requireJoined(ctx, c);
      await sim.runFor(2_000);
      const [x, w1, w2] = ctx.rng.shuffle(sim.nodeIds.slice(1)).slice(0, 3) as [NodeId, NodeId, NodeId];
      // x restarts: its new "alive" spreads. Two members that just learnt it send slowly for a while,
      // so what they piggyback now arrives 1-4 s late, after x has crashed again.
      watch.crash(x);
      await sim.runFor(1_000);
      const inc = watch.incarnations.get(x) ?? 0;
      watch.restart(x);
      const learnt = (o: NodeId) => watch.statusOf(o, x) === "alive" && (watch.view(o).get(x)?.incarnation ?? -1) > inc;
      // A member whose messages arrive seconds late may be declared dead, and so may a member it
      // suspected and told nobody of in time: mistakes here are not graded, the views must heal.
      watch.setCut(() => true);
      for (const w of [w1, w2]) {
        await sim.runUntil(() => learnt(w), { maxMs: 3_000 });
        slowFor(sim, w, 600);
      }
      await sim.runUntil(() => sim.nodeIds.every((o) => o === x || learnt(o)), { maxMs: 3_000 });
      watch.crash(x);
      ctx.log(`${x} restarted, then crashed at t=${sim.now} ms; ${w1} and ${w2} sent 1-4 s late for 600 ms`);
      // The same two send late again once they hold x dead: their "dead" arrives after x is back.
      const buried = (o: NodeId) => watch.statusOf(o, x) === "dead";
      const deadline = sim.now + detectionBoundMs(8) + 4_000;
      for (const w of [w1, w2]) {
        const tick = () => {
          if (buried(w)) slowFor(sim, w, 600);
          else if (sim.now < deadline) sim.after(READ_EVERY_MS, `${w} holds ${x} dead?`, tick);
        };
        sim.after(0, `${w} holds ${x} dead?`, tick);
      }
      await sim.runUntil(() => sim.nodeIds.every((o) => o === x || buried(o)), { maxMs: deadline - sim.now });
      const alive = sim.nodeIds.filter((o) => o !== x && !buried(o));
      const table = () =>
        formatTable([
          { title: "crashed member", cells: [x] },
          { title: "revived by stale gossip", cells: [withBound(watch.resurrections.length, 0)] },
          { title: "members not holding it dead", cells: [withBound(alive.length, 0)] },
          { title: "older news taken over newer", cells: [withBound(watch.regressions.length, 0)] },
        ]);
      requireNoResurrection(ctx, watch);
      ctx.check(
        alive.length === 0,
        "crashed members are marked dead everywhere",
        () =>
          `${alive.join(", ")} still hold ${x} ${watch.statusOf(alive[0] as NodeId, x)} ${detectionBoundMs(8) + 4_000} ms after its crash\n${table()}`,
      );
      // x comes back at once, with a higher incarnation, while the late "dead" is still on its way.
      watch.restart(x);
      ctx.log(`${x} restarted at t=${sim.now} ms, as soon as every member held it dead`);
      await sim.runFor(5_000);
      ctx.show(table());
      requireNoRegression(ctx, watch);
      requireHookAgrees(ctx, watch);
      const took = await converge(c, HEAL_BOUND_MS);
      ctx.check(
        !Number.isNaN(took),
        "views converge after stale gossip",
        () =>
          `${HEAL_BOUND_MS} ms later these views are still wrong (member=status/incarnation):\n${viewsOf(c, watch.unconverged())}`,
      );
    },
  },
  {
    part: "C",
    name: "load per member stays constant from 8 to 64 members",
    points: 6,
    seeds: 1,
    // 64 members for 20 s of virtual time: half a minute of wall time on an idle core, past the
    // default minute on a loaded machine.
    timeoutMs: 180_000,
    hints: [
      "Each member sends one ping per PROTOCOL_PERIOD_MS and answers the pings it gets: about two messages per member per period at any size. Ping-reqs are only for a probe whose direct ack is late.",
      'Piggyback each change retransmitLimit(n) times (λ·log n), then drop it: a change gossiped forever makes every message carry the whole membership, and the load grows with n. An update you already hold is no news: spreading it again when it comes back keeps it circulating forever ("dead" is the usual one).',
      'Detection time is the time to be probed (a period or two), the suspicion timeout (O(log n) periods) and the spread of "dead" (O(log n) periods): probe round-robin over a shuffled list so every member is probed within two rounds.',
    ],
    async run(ctx) {
      const rows: Array<{
        n: number;
        msgs: number;
        updates: number;
        /** Piggybacked updates per live member per period once the crashes are known everywhere. */
        after: number;
        p50: number;
        p99: number;
        sus: number;
        bound: number;
      }> = [];
      const table = () =>
        formatTable([
          { title: "members", cells: rows.map((r) => String(r.n)) },
          {
            title: "msgs / member / period",
            cells: rows.map((r) => withBound(r.msgs, MESSAGES_PER_MEMBER_PER_PERIOD, 2)),
          },
          {
            title: "updates piggybacked / member / period",
            cells: rows.map((r) => withBound(r.updates, UPDATES_PER_MEMBER_PER_PERIOD, 2)),
          },
          {
            title: "updates / member / period after crashes",
            cells: rows.map((r) => withBound(r.after, UPDATES_PER_MEMBER_PER_PERIOD, 2)),
          },
          { title: "detection p50 ms", cells: rows.map((r) => withBound(r.p50, undefined)) },
          { title: "detection p99 ms", cells: rows.map((r) => withBound(r.p99, r.bound)) },
          { title: "false suspicions / node-hour", cells: rows.map((r) => withBound(r.sus, undefined, 1)) },
        ]);
      for (const n of SIZES) {
        const c = swimCluster(ctx, n, { readEveryMs: n > 16 ? 100 : READ_EVERY_MS });
        const { sim, watch } = c;
        const joined = await converge(c, 12_000);
        ctx.check(
          !Number.isNaN(joined),
          "views converge after joins",
          () =>
            `${n} members: the views did not converge within 12 s of the start:\n${viewsOf(c, watch.unconverged())}`,
        );
        await sim.runFor(SETTLE_MS);
        const m0 = watch.messages;
        const u0 = watch.updates;
        await sim.runFor(LOAD_WINDOW_MS);
        const periods = LOAD_WINDOW_MS / PROTOCOL_PERIOD_MS;
        const row = {
          n,
          msgs: (watch.messages - m0) / n / periods,
          updates: (watch.updates - u0) / n / periods,
          after: Number.NaN,
          p50: Number.NaN,
          p99: Number.NaN,
          sus: Number.NaN,
          bound: detectionBoundMs(n),
        };
        rows.push(row);
        ctx.metric(`msgs per member per period, ${n} members`, row.msgs);
        ctx.metric(`updates per member per period, ${n} members`, row.updates);
        ctx.check(
          row.msgs <= MESSAGES_PER_MEMBER_PER_PERIOD,
          "messages per member per period stay constant",
          () =>
            `with ${n} members each member sent ${row.msgs.toFixed(2)} messages per period (at most ${MESSAGES_PER_MEMBER_PER_PERIOD} at every size)\n${table()}`,
        );
        ctx.check(
          row.updates <= UPDATES_PER_MEMBER_PER_PERIOD,
          "piggybacked updates per member per period stay bounded",
          () =>
            `with ${n} members and no change for ${SETTLE_MS / 1000} s, each member still piggybacked ${row.updates.toFixed(2)} updates per period (at most ${UPDATES_PER_MEMBER_PER_PERIOD}): a change is sent retransmitLimit(n) times, then dropped\n${table()}`,
        );
        const before = watch.falseSuspicions.length;
        const start = sim.now;
        let missed = 0;
        for (const v of ctx.rng.shuffle(sim.nodeIds.slice(1)).slice(0, n > 8 ? 1 : 2)) {
          watch.crash(v);
          await sim.runUntil(
            () => sim.nodeIds.every((o) => o === v || watch.isDown(o) || watch.statusOf(o, v) === "dead"),
            { maxMs: 2 * detectionBoundMs(n) },
          );
          missed += sim.nodeIds.filter((o) => o !== v && !watch.isDown(o) && watch.statusOf(o, v) !== "dead").length;
          await sim.runFor(500);
        }
        row.p50 = quantile(watch.detections, 0.5);
        row.p99 = quantile(watch.detections, 0.99);
        row.sus = (watch.falseSuspicions.length - before) / ((n * (sim.now - start)) / 3_600_000);
        ctx.metric(`detection p99, ${n} members`, row.p99, "ms");
        ctx.check(
          missed <= 0 && row.p99 <= row.bound,
          "detection time grows at most logarithmically",
          () =>
            `with ${n} members a crash took ${row.p99} ms (p99) to be marked dead${missed > 0 ? `, and ${missed} survivors never did` : ""}; the bound is ${row.bound} ms (6 periods + suspicion timeout + 2 log2 n periods)\n${table()}`,
        );
        // News of a death is a change like any other: sent retransmitLimit(n) times by each member, then dropped.
        await sim.runFor(SETTLE_MS);
        const u1 = watch.updates;
        await sim.runFor(LOAD_WINDOW_MS);
        row.after = (watch.updates - u1) / sim.nodeIds.filter((o) => !watch.isDown(o)).length / periods;
        ctx.metric(`updates per member per period after crashes, ${n} members`, row.after);
        ctx.check(
          row.after <= UPDATES_PER_MEMBER_PER_PERIOD,
          "piggybacked updates per member per period stay bounded",
          () =>
            `with ${n} members, ${SETTLE_MS / 1000} s after every survivor held the crashed dead, each member still piggybacked ${row.after.toFixed(2)} updates per period (at most ${UPDATES_PER_MEMBER_PER_PERIOD}): "dead" is sent retransmitLimit(n) times like any change, and one that is already known is not news to spread again\n${table()}`,
        );
      }
      ctx.show(
        `SWIM from 8 to 64 members (load measured over ${LOAD_WINDOW_MS / 1000} s without faults, then crashes):\n${table()}`,
      );
    },
  },
];
