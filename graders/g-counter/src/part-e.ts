/** Stretch (bonus): delta-state gossip that sends less than the full state and still converges. */
import type { Scenario } from "@faultline/grading";
import type { L } from "./props.ts";
import { gcounterCluster, healAndConverge, runClients, runUntilSettled, smallDelta } from "./cluster.ts";

const STATE_TYPES = new Set(["gossip", "delta", "pn_gossip"]);

export const partE: Array<Scenario<L>> = [
  {
    part: "E",
    name: "delta-state gossip converges and sends less",
    points: 5,
    bonus: true,
    seeds: 5,
    hints: [
      "Send each peer only the entries it may be missing, and keep sending them until it acknowledges them: a lost delta must go again.",
      "Track per peer what it is known to have (raise it on every delta_ack and every delta it sends you). When a peer is up to date, send it nothing.",
    ],
    async run(ctx) {
      const { sim, history } = gcounterCluster(ctx, {
        nodes: 5,
        clients: 3,
        faults: { drop: 0.2, duplicate: 0.2, copies: 2, delayMs: [1, 40] },
        factory: () => new ctx.impl.DeltaGCounterNode(),
      });
      let stateMessages = 0;
      let entries = 0;
      /** State messages sent since the network has been quiet and every replica up to date. */
      let whenUpToDate: number | undefined;
      sim.onEvent((e) => {
        if (
          e.kind !== "send" ||
          e.payload === undefined ||
          !sim.nodeIds.includes(e.node) ||
          e.peer === undefined ||
          !sim.nodeIds.includes(e.peer)
        )
          return;
        const msg = JSON.parse(e.payload) as { type?: string; state?: Record<string, unknown> };
        if (msg.type === undefined || !STATE_TYPES.has(msg.type)) return;
        if (whenUpToDate !== undefined) whenUpToDate++;
        stateMessages++;
        const s = msg.state ?? {};
        entries +=
          "p" in s && "n" in s ? Object.keys(s.p ?? {}).length + Object.keys(s.n ?? {}).length : Object.keys(s).length;
      });
      const order = ctx.rng.shuffle(sim.nodeIds);
      sim.after(400, "partition", () => sim.partition(order.slice(0, 2), order.slice(2)));
      const done = runClients(sim, history, ctx.rng, {
        adds: 15,
        delta: smallDelta,
        gapMs: [20, 80],
        timeoutMs: 200,
      });
      await runUntilSettled(ctx, sim, done, 60_000, "the clients' adds");
      await healAndConverge(ctx, sim, history, "c1");
      // Every replica holds every entry and the network is healed: after a few rounds in which
      // the last deltas are acknowledged, an up-to-date peer must be sent nothing at all.
      await sim.runFor(500);
      whenUpToDate = 0;
      await sim.runFor(1000);
      ctx.check(
        whenUpToDate === 0,
        "up-to-date peers are sent nothing",
        () =>
          `every replica had held every entry for at least 500 ms on a healed network, yet the nodes sent ${whenUpToDate} state messages in the next 1000 ms: when a peer is known to have all your entries, send it no delta (not even an empty one)`,
      );
      const full = sim.nodeIds.length;
      const mean = entries / Math.max(1, stateMessages);
      ctx.metric("entries per state message", Math.round(mean * 100) / 100, "entries");
      ctx.metric("entries sent per add", Math.round((entries / Math.max(1, history.adds.length)) * 10) / 10, "entries");
      ctx.check(stateMessages > 0, "gossip carries state", "no node sent a gossip or delta message to another node");
      ctx.check(
        mean <= 0.7 * full,
        "deltas are smaller than the full state",
        () =>
          `a full state here has ${full} entries; your ${stateMessages} state messages carried ${mean.toFixed(2)} entries on average (at most ${0.7 * full} expected; full-state gossip averages close to ${full}): send only the entries a peer may be missing`,
      );
    },
  },
];
