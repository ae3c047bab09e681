/** Part C: crash and restart. A node comes back under the same replica id with only its disk. */
import type { NodeId } from "@faultline/sim";
import type { Scenario } from "@faultline/grading";
import type { L } from "./props.ts";
import { gcounterCluster, healAndConverge, runUntilSettled } from "./cluster.ts";

export const partC: Array<Scenario<L>> = [
  {
    part: "C",
    name: "acknowledged adds survive a crash",
    points: 10,
    seeds: 6,
    hints: [
      "The node that acknowledged these adds is cut off from its peers, so gossip cannot save them: after the crash, only its disk remembers them.",
      "Write the counter to env.disk and call env.disk.sync() BEFORE sending add_ok. A write that was not synced is lost in a crash.",
      "In start(env), read the state back (GCounter.fromJSON(env.id, saved)) before doing anything else: a restart is a fresh instance with empty fields.",
    ],
    async run(ctx) {
      const { sim, history } = gcounterCluster(ctx, { nodes: 3, clients: 2 });
      const victim = ctx.rng.pick(sim.nodeIds);
      const others = sim.nodeIds.filter((n) => n !== victim);
      sim.partition([victim], others);
      const before = 3 + ctx.rng.int(6);
      const c1 = sim.spawn("adds to the victim", async () => {
        for (let i = 0; i < before; i++) await history.add("c1", victim, 1 + ctx.rng.int(5), 500);
        sim.crash(victim);
        ctx.log(`crashed ${victim} right after its ${before}th acknowledged add`);
        await sim.client("c1").sleep(200);
        sim.restart(victim);
        for (let i = 0; i < 3; i++) await history.add("c1", victim, 1 + ctx.rng.int(5), 500);
      });
      const c2 = sim.spawn("adds to the others", async () => {
        for (let i = 0; i < 6; i++) {
          await history.add("c2", ctx.rng.pick(others), 1 + ctx.rng.int(5), 500);
          await sim.client("c2").sleep(20);
        }
      });
      await runUntilSettled(
        ctx,
        sim,
        Promise.all([c1, c2]).then(() => undefined),
        30_000,
        "the clients' adds",
      );
      const pre = history.adds.filter((op) => op.node === victim).slice(0, before);
      const preSum = pre.reduce((a, op) => a + (op.outcome === "ok" ? op.delta : 0), 0);
      const own = sim.node<{ value(): number }>(victim)?.value() ?? 0;
      ctx.check(
        own >= preSum,
        "acknowledged adds survive a crash",
        () =>
          `${victim} acknowledged adds summing to ${preSum} before it crashed, but after its restart (and 3 more adds) it reads ${own}: the acknowledged adds were lost`,
      );
      await healAndConverge(ctx, sim, history, "c2");
    },
  },
  {
    part: "C",
    name: "increments after a restart are not masked",
    points: 10,
    seeds: 6,
    hints: [
      "Each node crashes once, after its peers have learned its entry, and comes back still cut off from them. It gets new adds at once: they must show up in everyone's final value.",
      "If a restarted node starts its own entry from 0 under the same id, its new increments stay below the value its peers hold for it, and merge (a maximum) hides them. Restore your own entry from disk in start(env) before serving any add.",
      "Alternative (harder): restart under a fresh replica id. This lab expects the simpler fix: persist with sync before add_ok, restore in start.",
    ],
    async run(ctx) {
      const { sim, history } = gcounterCluster(ctx, {
        nodes: 3,
        clients: 2,
        faults: { drop: 0.1, duplicate: 0.1, copies: 2, delayMs: [1, 10] },
      });
      const order: NodeId[] = ctx.rng.shuffle(sim.nodeIds);
      const work = sim.spawn("crash each node once", async () => {
        const c1 = sim.client("c1");
        for (const victim of order) {
          for (let i = 0; i < 4; i++) await history.add("c1", victim, 2 + ctx.rng.int(4), 300);
          for (let i = 0; i < 3; i++) await history.add("c1", ctx.rng.pick(sim.nodeIds), 1 + ctx.rng.int(5), 300);
          await c1.sleep(400);
          sim.crash(victim);
          await c1.sleep(100 + ctx.rng.int(200));
          // It comes back cut off from its peers, so the new adds reach it before any gossip.
          sim.partition(
            [victim],
            sim.nodeIds.filter((n) => n !== victim),
          );
          sim.restart(victim);
          ctx.log(`restarted ${victim}, still cut off from its peers; adding to it`);
          await history.add("c1", victim, 1, 300);
          await history.add("c1", victim, 1, 300);
          sim.heal();
          await c1.sleep(300);
        }
      });
      const background = sim.spawn("background adds", async () => {
        const c2 = sim.client("c2");
        for (let i = 0; i < 15; i++) {
          const target = ctx.rng.pick(sim.nodeIds);
          if (sim.isUp(target)) await history.add("c2", target, 1 + ctx.rng.int(3), 300);
          await c2.sleep(100 + ctx.rng.int(100));
        }
      });
      await runUntilSettled(
        ctx,
        sim,
        Promise.all([work, background]).then(() => undefined),
        60_000,
        "the crash and restart rounds",
      );
      await healAndConverge(ctx, sim, history, "c2");
    },
  },
];
