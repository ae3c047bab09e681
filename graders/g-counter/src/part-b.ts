/** Part B: gossiping G-Counter nodes over a reliable, then a hostile, network. */
import type { Scenario } from "@faultline/grading";
import type { L } from "./props.ts";
import {
  CONVERGENCE_BOUND_MS,
  finalReads,
  gcounterCluster,
  healAndConverge,
  oneAnswerPerAdd,
  reportCost,
  requireConvergence,
  runClients,
  runUntilSettled,
  smallDelta,
  watchAddAnswers,
} from "./cluster.ts";

export const partB: Array<Scenario<L>> = [
  {
    part: "B",
    name: "adds and reads on a reliable network",
    points: 5,
    seeds: 5,
    hints: [
      'Answer add with add_ok (or add_error for a negative or fractional delta) and read with read_ok; gossip { type: "gossip", state: counter.toJSON() } to every peer on a timer, and merge what you receive.',
      "A node's read is value() of its replica: the sum of every entry, including the entries learned by gossip. Re-arm the gossip timer in onTimer, or gossip happens only once.",
      "On a gossip message: this.counter = this.counter.merge(GCounter.fromJSON(from, msg.state)). A G-Counter node must refuse { delta: -3 } with add_error: a decrement is not an inflation.",
    ],
    async run(ctx) {
      const { sim, history } = gcounterCluster(ctx, { nodes: 3, clients: 2 });
      const answers = watchAddAnswers(sim);
      const done = runClients(sim, history, ctx.rng, {
        adds: 10,
        delta: smallDelta,
        gapMs: [5, 30],
        timeoutMs: 500,
        readChance: 0.3,
      });
      await runUntilSettled(ctx, sim, done, 30_000, "the clients' adds");
      const lost = history.adds.filter((op) => op.outcome !== "ok");
      ctx.check(
        lost.length === 0,
        "every add is acknowledged",
        () =>
          `on a reliable network, ${lost.map((op) => `add ${op.delta} to ${op.node} at t=${op.sentAt} ms (${op.outcome}${op.error ? `: ${op.error}` : ""})`).join("; ")} got no add_ok within 500 ms`,
      );
      const bad: Array<[string, number]> = [
        ["n1", -3],
        ["n2", 2.5],
      ];
      const refused = Promise.all(bad.map(([node, delta]) => history.add("c1", node, delta, 500)));
      await runUntilSettled(
        ctx,
        sim,
        refused.then(() => undefined),
        5_000,
        "the invalid adds",
      );
      for (const op of await refused) {
        ctx.check(
          op.outcome === "error",
          "a G-Counter node refuses negative or fractional deltas",
          () =>
            `add ${op.delta} sent to ${op.node} got ${op.outcome === "ok" ? "add_ok" : "no answer"}; a G-Counter only grows by whole amounts, so answer add_error and change nothing`,
        );
      }
      // The edge of the valid range: 0 is a whole, non-negative delta.
      const zero = history.add("c2", "n3", 0, 500);
      await runUntilSettled(
        ctx,
        sim,
        zero.then(() => undefined),
        5_000,
        "the add of 0",
      );
      const z = await zero;
      ctx.check(
        z.outcome === "ok",
        "a G-Counter node accepts a delta of 0",
        () =>
          `add 0 sent to n3 got ${z.outcome === "error" ? `add_error (${z.error ?? ""})` : "no answer"}; 0 is a valid delta (it changes nothing): answer add_ok`,
      );
      oneAnswerPerAdd(ctx, history.adds, answers);
      await requireConvergence(ctx, sim, history, sim.nodeIds, CONVERGENCE_BOUND_MS, "the last add");
      await finalReads(ctx, sim, history, "c1");
      reportCost(ctx, sim, history);
    },
  },
  {
    part: "B",
    name: "gossip under loss, duplication and reordering",
    points: 7,
    seeds: 8,
    hints: [
      "Every message between nodes may be lost (25%), delivered three times (20%) or overtaken by a later one. Gossip periodically and forever, not only when something changes.",
      "A duplicated or late gossip must change nothing: merge takes the entry-wise maximum (idempotent, and a late state is already <= the current one). Make sure increments after a merge still go to your own entry.",
      "Check Part A first: each failure here is usually a law broken there. `--trace` shows each gossip and the state it carried.",
    ],
    async run(ctx) {
      const { sim, history } = gcounterCluster(ctx, {
        nodes: 3,
        clients: 3,
        faults: { drop: 0.25, duplicate: 0.2, copies: 2, delayMs: [1, 60] },
      });
      const done = runClients(sim, history, ctx.rng, {
        adds: 15,
        delta: smallDelta,
        gapMs: [10, 60],
        timeoutMs: 200,
        readChance: 0.2,
      });
      await runUntilSettled(ctx, sim, done, 60_000, "the clients' adds");
      await healAndConverge(ctx, sim, history, "c1");
      reportCost(ctx, sim, history);
    },
  },
  {
    part: "B",
    name: "partition with adds on both sides, then heal",
    points: 8,
    seeds: 8,
    hints: [
      "While the network is split, each side counts only its own adds; once it heals, a single gossip round in each direction must bring everyone to the full sum.",
      "After a heal nothing new may happen: no add, no event. Only a periodic gossip timer carries the missed states across. Pushing your state once per add is not enough.",
      "Merging must keep both sides' entries (entry-wise maximum), not pick the state with the larger total.",
    ],
    async run(ctx) {
      const { sim, history } = gcounterCluster(ctx, {
        nodes: 5,
        clients: 3,
        faults: { drop: 0.1, duplicate: 0.1, copies: 2, delayMs: [1, 30] },
      });
      const split = () => {
        const order = ctx.rng.shuffle(sim.nodeIds);
        return [order.slice(0, 2), order.slice(2)] as const;
      };
      const [a1, b1] = split();
      sim.partition([...a1], [...b1]);
      sim.after(700, "second partition", () => {
        const [a2, b2] = split();
        sim.partition([...a2], [...b2]);
      });
      const done = runClients(sim, history, ctx.rng, {
        adds: 20,
        delta: smallDelta,
        gapMs: [20, 80],
        timeoutMs: 200,
        readChance: 0.2,
      });
      await runUntilSettled(ctx, sim, done, 60_000, "the clients' adds");
      await healAndConverge(ctx, sim, history, "c1", "the partition healed");
      reportCost(ctx, sim, history);
    },
  },
  {
    part: "B",
    name: "connected replicas converge while one is cut off",
    points: 5,
    seeds: 5,
    hints: [
      "One node is cut off for the whole scenario. The four others still talk to each other, and they must agree within 1000 ms of the last add.",
      "Gossip to every peer (or to a random peer each round), never only to one fixed neighbour: a fixed route through the cut-off node is a dead end.",
    ],
    async run(ctx) {
      const { sim, history } = gcounterCluster(ctx, { nodes: 5, clients: 2 });
      const victim = ctx.rng.pick(sim.nodeIds);
      const connected = sim.nodeIds.filter((n) => n !== victim);
      sim.partition([victim], connected);
      const done = runClients(sim, history, ctx.rng, {
        adds: 10,
        targets: () => connected,
        delta: smallDelta,
        gapMs: [5, 40],
        timeoutMs: 500,
      });
      await runUntilSettled(ctx, sim, done, 30_000, "the clients' adds");
      await requireConvergence(
        ctx,
        sim,
        history,
        connected,
        CONVERGENCE_BOUND_MS,
        `the last add, with ${victim} cut off from the other nodes`,
      );
      sim.healAll();
      await requireConvergence(ctx, sim, history, sim.nodeIds, CONVERGENCE_BOUND_MS, `${victim} was reconnected`);
      await finalReads(ctx, sim, history, "c1");
    },
  },
];
