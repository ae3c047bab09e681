/**
 * Part D: partitions and asymmetry. A link that loses everything one way (a hears b, b does not
 * hear a), a link that flaps, and a partition that cuts the group in two one way only: indirect
 * probes keep the members behind one bad link alive, crashes are still detected, and after the
 * heal no member stays marked dead. Bonus points, on top of the 100.
 */
import type { Scenario } from "@faultline/grading";
import type { NodeId } from "@faultline/sim";
import type { L } from "./cluster.ts";
import { converge, detectionBoundMs, HEAL_BOUND_MS, requireJoined, swimCluster } from "./part-c.ts";
import { describeEvents } from "./swim-watch.ts";
import { formatTable, withBound } from "./table.ts";
import { quantile } from "./watch.ts";

const PHASE_MS = 15_000;
const FLAP_MS = 700;

export const partD: Array<Scenario<L>> = [
  {
    part: "D",
    name: "one-way loss and a flapping link suspect nobody",
    points: 5,
    bonus: true,
    seeds: 2,
    hints: [
      "When a hears b but b does not hear a, a's pings to b are lost (or b's acks to a): the direct probe fails every time. A ping-req through k other members goes around the bad link both ways, so neither is suspected.",
      "A link that comes and goes is the same case half of the time: suspect only when the direct ping and every relayed ping got no ack by the end of the period.",
    ],
    async run(ctx) {
      const c = swimCluster(ctx, 8);
      const { sim, watch } = c;
      await requireJoined(ctx, c);
      await sim.runFor(1_000);
      const [a, b, f1, f2, victim] = ctx.rng.shuffle(sim.nodeIds.slice(1)) as [NodeId, NodeId, NodeId, NodeId, NodeId];
      const rows: Array<{ what: string; sus: number; rate: number }> = [];
      const phase = async (what: string, run: () => Promise<void>) => {
        const before = watch.falseSuspicions.length;
        const t0 = sim.now;
        await run();
        const sus = watch.falseSuspicions.length - before;
        rows.push({ what, sus, rate: sus / ((sim.nodeIds.length * (sim.now - t0)) / 3_600_000) });
      };
      await phase(`${a} hears ${b}, ${b} does not hear ${a}`, async () => {
        sim.blockOneWay(a, b);
        await sim.runFor(PHASE_MS);
        sim.unblockOneWay(a, b);
      });
      await phase(`${f1}-${f2} flaps every ${FLAP_MS} ms`, async () => {
        for (let t = 0; t < PHASE_MS; t += 2 * FLAP_MS) {
          sim.setLinkFaults(f1, f2, { drop: 1 });
          sim.setLinkFaults(f2, f1, { drop: 1 });
          await sim.runFor(FLAP_MS);
          sim.setLinkFaults(f1, f2, undefined);
          sim.setLinkFaults(f2, f1, undefined);
          await sim.runFor(FLAP_MS);
        }
      });
      // A crash while both bad links are back: still detected.
      sim.blockOneWay(a, b);
      sim.setLinkFaults(f1, f2, { drop: 1 });
      watch.crash(victim);
      const bound = detectionBoundMs(8);
      await sim.runFor(bound);
      const table = formatTable([
        { title: "what happened", cells: [...rows.map((r) => r.what), `${victim} crashes (both bad links cut)`] },
        { title: "false suspicions", cells: [...rows.map((r) => String(r.sus)), ""] },
        { title: "per node-hour", cells: [...rows.map((r) => withBound(r.rate, 0, 1)), ""] },
        {
          title: "detection p99 ms",
          cells: [...rows.map(() => ""), withBound(quantile(watch.detections, 0.99), bound)],
        },
      ]);
      ctx.show(`asymmetric and flapping links (8 members):\n${table}`);
      for (const r of rows)
        ctx.check(
          r.sus === 0,
          "indirect probes keep members behind one bad link alive",
          () =>
            `${r.what}: ${r.sus} false suspicions (${describeEvents(watch.falseSuspicions)}); a ping-req through k other members goes around one bad link\n${table}`,
        );
      const late = sim.nodeIds.filter((o) => o !== victim && watch.statusOf(o, victim) !== "dead");
      ctx.check(
        late.length === 0,
        "crashed members are marked dead everywhere",
        () =>
          `${bound} ms after ${victim} crashed, ${late.join(", ")} still hold it ${watch.statusOf(late[0] as NodeId, victim)}\n${table}`,
      );
      ctx.check(
        watch.falseDeaths.length === 0,
        "no live member is declared dead",
        () => `${describeEvents(watch.falseDeaths)}\n${table}`,
      );
    },
  },
  {
    part: "D",
    name: "after a one-way partition heals no member stays dead",
    points: 5,
    bonus: true,
    seeds: 2,
    hints: [
      "Cut one way, each side still holds the other dead: one side hears nothing, the other hears pings it cannot answer. After the heal nobody probes the members it holds dead unless you do: every DEAD_PROBE_EVERY periods ping one, with its dead update piggybacked.",
      "A member that hears it is dead refutes with incarnation + 1, and one that is held dead at an older incarnation than its own says again which one is current: either way its alive spreads by piggyback.",
    ],
    async run(ctx) {
      const c = swimCluster(ctx, 8);
      const { sim, watch } = c;
      await requireJoined(ctx, c);
      await sim.runFor(1_000);
      const shuffled = ctx.rng.shuffle(sim.nodeIds);
      const left = shuffled.slice(0, 3);
      const right = shuffled.slice(3);
      for (const l of left) for (const r of right) sim.blockOneWay(l, r);
      watch.setCut((x, y) => left.includes(x) !== left.includes(y));
      ctx.log(`${left.join(",")} cannot reach ${right.join(",")} (the other way works) from t=${sim.now} ms`);
      await sim.runFor(8_000);
      const unaware = sim.nodeIds.filter((o) =>
        (left.includes(o) ? right : left).some((m) => watch.statusOf(o, m) !== "dead"),
      );
      ctx.check(
        unaware.length === 0,
        "a partition is detected on both sides",
        () =>
          `8 s into the one-way partition ${unaware.join(", ")} still hold members of the other side alive or suspect: one side hears nothing, the other gets no ack`,
      );
      for (const l of left) for (const r of right) sim.unblockOneWay(l, r);
      watch.setCut(() => false);
      const took = await converge(c, HEAL_BOUND_MS);
      const table = formatTable([
        { title: "one-way partition", cells: [`${left.join(",")} -/-> ${right.join(",")}`] },
        {
          title: "views converged after the heal, ms",
          cells: [withBound(Number.isNaN(took) ? HEAL_BOUND_MS + 1 : took, HEAL_BOUND_MS)],
        },
      ]);
      ctx.show(table);
      ctx.check(
        !Number.isNaN(took),
        "views converge after a partition heals",
        () => `${HEAL_BOUND_MS} ms after the heal some views still hold live members suspect or dead\n${table}`,
      );
      ctx.check(
        watch.falseDeaths.length === 0,
        "no live member is declared dead",
        () => `${describeEvents(watch.falseDeaths)} after the heal\n${table}`,
      );
    },
  },
];
