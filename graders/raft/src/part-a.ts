/** Part A: leader election (section 5.2). */
import type { Scenario } from "@faultline/grading";
import type { RaftLab } from "./cluster.ts";
import { cluster, idle, others, pickNodes } from "./helpers.ts";

export const partA: Array<Scenario<RaftLab>> = [
  {
    part: "A",
    name: "initial election",
    points: 3,
    hints: [
      "Start every node as a follower with a random election timeout; when it fires, become a candidate and ask everyone for a vote.",
      "A candidate that gets votes from a majority (itself included) becomes leader and sends AppendEntries heartbeats at once and then every HEARTBEAT_INTERVAL_MS. A follower that hears a heartbeat resets its election timer.",
      "If the term keeps changing on a healthy network, the heartbeats come too late (interval above the election timeout) or do not reset the followers' timers; if no leader is ever elected, the timeouts are not random (env.random()) so every node splits the vote.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 3 });
      const leader = await cl.awaitLeader(cl.ids, 1_000, "a leader is elected on a healthy 3-node cluster");
      const term = cl.term(leader);
      ctx.check(term >= 1, "terms", `${leader} leads in term ${term}; the first election is term 1 or later`);
      await cl.sim.require(
        () => cl.ids.every((id) => cl.term(id) === term),
        `every node learns the leader's term ${term}`,
        500,
      );
      await idle(cl, 2_000);
      const now = cl.stableLeader();
      ctx.check(
        now === leader && cl.term(leader) === term,
        "stable leadership",
        () =>
          `on a healthy network the leader should stay: ${leader} led term ${term}, 2 s later ${now ? `${now} leads term ${cl.term(now)}` : "there is no leader"} (highest term ${cl.highestTerm}). Heartbeats must reach followers well within the election timeout`,
      );
    },
  },
  {
    part: "A",
    name: "re-election after leader loss",
    points: 4,
    hints: [
      "When the leader disappears, followers stop hearing heartbeats; one must time out, win an election and lead.",
      "When the old leader comes back it sees a higher term in the replies and requests it receives, and must step down to follower.",
      "A candidate without a majority must keep retrying in new terms (reset the election timer in each election) without ever declaring itself leader.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 3 });
      const l1 = await cl.awaitLeader();
      cl.disconnect(l1);
      const rest = others(cl, l1);
      const l2 = await cl.awaitLeader(rest, 1_000, `a new leader is elected after leader ${l1} is cut off`);
      cl.connect(l1);
      await cl.awaitLeader(cl.ids, 1_000, `one leader remains after old leader ${l1} rejoins`);
      // No majority: no leader may emerge among the lone remaining node.
      const l3 = cl.stableLeader() ?? l2;
      const follower = others(cl, l3)[0] as string;
      cl.disconnect(l3, follower);
      const lone = others(cl, l3, follower)[0] as string;
      await idle(cl, 1_000);
      ctx.check(
        cl.node(lone)?.role !== "leader",
        "no leader without a majority",
        `${lone} alone (no majority) became leader in term ${cl.term(lone)}`,
      );
      cl.connect(follower);
      await cl.awaitLeader([lone, follower], 1_000, `a leader is elected once ${follower} rejoins ${lone}`);
      cl.connect(l3);
      await cl.awaitLeader(cl.ids, 1_000, "one leader after everyone reconnects");
    },
  },
  {
    part: "A",
    name: "no leader without a majority",
    points: 3,
    hints: [
      "A candidate needs votes from a majority of ALL nodes (3 of 5), its own vote included, not a majority of those that answered.",
      "Count only granted votes from the current term, each voter once (a duplicated reply must not count twice).",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 5, faults: { duplicate: 0.3 } });
      const [a, b, c, d, e] = ctx.rng.shuffle([...cl.ids]) as [string, string, string, string, string];
      cl.partition([a, b], [c], [d], [e]);
      let active = true;
      cl.sim.addInvariant("no leader without a majority", () => {
        const l = active ? cl.leaders()[0] : undefined;
        return l
          ? `${l[0]} became leader of term ${l[1]} although no group of 3 of the 5 nodes can talk (${a}+${b} | ${c} | ${d} | ${e})`
          : undefined;
      });
      await idle(cl, 2_000);
      active = false;
      cl.healNetwork();
      cl.sim.setFaults({ duplicate: 0 });
      await cl.awaitLeader(cl.ids, 1_500, "a leader once the partition heals");
    },
  },
  {
    part: "A",
    name: "many elections with random disconnections",
    points: 3,
    hints: [
      "Each round cuts off up to 3 of 7 nodes; the other 4 are a majority and must elect a leader within a second.",
      "A reconnected node with a higher term must not be able to keep the cluster leaderless: candidates step down when they see a higher term, and elections must converge.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 7 });
      await cl.awaitLeader();
      for (let round = 0; round < 10; round++) {
        const cut = pickNodes(cl, 3);
        cl.disconnect(...cut);
        await cl.awaitLeader(
          others(cl, ...cut),
          1_500,
          `round ${round + 1}: a leader among the 4 connected nodes after cutting off ${cut.join(", ")}`,
        );
        cl.connect(...cut);
      }
      await cl.awaitLeader(cl.ids, 1_500, "a leader once every node is connected again");
    },
  },
  {
    part: "A",
    name: "old leader rejoins without disrupting",
    points: 3,
    hints: [
      "An old leader that comes back still believes it leads an old term. Its heartbeats carry that term; followers reject them and answer with the current term.",
      "On a reply with a higher term, the old leader must become a follower of that term; it must not start an election that unseats the new leader.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 5 });
      const l1 = await cl.awaitLeader();
      cl.disconnect(l1);
      const l2 = await cl.awaitLeader(others(cl, l1), 1_000, `a new leader after ${l1} is cut off`);
      const t2 = cl.term(l2);
      cl.connect(l1);
      await cl.sim.require(
        () => cl.node(l1)?.role === "follower" && cl.term(l1) === t2,
        `old leader ${l1} becomes a follower of term ${t2}`,
        500,
      );
      await idle(cl, 1_000);
      ctx.check(
        cl.stableLeader() === l2 && cl.term(l2) === t2,
        "no disruption",
        () =>
          `after ${l1} rejoined, ${l2} should still lead term ${t2}; now ${cl.stableLeader() ?? "nobody"} leads and the highest term is ${cl.highestTerm}`,
      );
    },
  },
  {
    part: "A",
    name: "elections under message loss",
    points: 3,
    hints: [
      "With 25% of messages lost and some duplicated, votes and heartbeats go missing: a candidate that does not win in time must start a new election in a new term.",
      "A duplicated RequestVote from the same candidate in the same term must get the same answer (votedFor == candidateId); a duplicated vote must not be counted twice.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 5, faults: { drop: 0.25, duplicate: 0.1 } });
      for (let round = 0; round < 4; round++) {
        const l = await cl.awaitLeader(
          cl.ids.filter((id) => cl.running(id)),
          3_000,
          `round ${round + 1}: a leader under 25% message loss`,
        );
        cl.crash(l);
        await cl.awaitLeader(others(cl, l), 3_000, `round ${round + 1}: a new leader after leader ${l} crashed`);
        cl.restart(l);
      }
    },
  },
  {
    part: "A",
    name: "election RPC count bounds",
    points: 3,
    hints: [
      "An election costs one RequestVote per peer per term; a healthy cluster should need only a few terms.",
      "An idle leader sends one AppendEntries per follower per heartbeat interval, not one per message it receives.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 3 });
      const l = await cl.awaitLeader();
      const votes = cl.sent("RequestVote");
      ctx.check(
        votes <= 30,
        "election RPC count",
        `the first election used ${votes} RequestVote messages on a healthy 3-node cluster (at most 30 expected)`,
      );
      ctx.metric("RequestVote for the first election", votes, "messages");
      const before = cl.sent("AppendEntries");
      const v0 = cl.sent("RequestVote");
      await idle(cl, 2_000);
      const beats = cl.sent("AppendEntries") - before;
      ctx.metric("AppendEntries per idle second", beats / 2, "messages");
      ctx.check(
        beats <= 2 * 2 * 25,
        "idle RPC count",
        `an idle leader (${l}) sent ${beats} AppendEntries to 2 followers in 2 s; at most 25 per follower per second expected`,
      );
      ctx.check(
        beats >= 2 * 2 * 2,
        "idle RPC count",
        `an idle leader (${l}) sent only ${beats} AppendEntries to 2 followers in 2 s; heartbeats keep followers from starting elections`,
      );
      const extra = cl.sent("RequestVote") - v0;
      ctx.check(
        extra === 0,
        "idle RPC count",
        `${extra} RequestVote messages were sent while an idle leader was in charge on a healthy network`,
      );
    },
  },
];
