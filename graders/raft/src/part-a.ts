/** Part A: leader election (section 5.2). */
import type { Scenario } from "@faultline/grading";
import type { RaftLab } from "./cluster.ts";
import type { NodeId } from "@faultline/sim";
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
    points: 3,
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
    points: 2,
    hints: [
      "An election costs one RequestVote per peer per term; a healthy cluster should need only a few terms.",
      "An idle leader sends one AppendEntries per follower per heartbeat interval, not one per message it receives.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 3 });
      await cl.awaitLeader();
      // A second candidate may stand just after the first won, before any message of the winner
      // reached it: the cluster is idle once every node follows one leader in the leader's term.
      const settled = () => {
        const s = cl.stableLeader();
        return (
          s !== undefined &&
          cl.ids.every((id) => id === s || (cl.node(id)?.role === "follower" && cl.term(id) === cl.term(s)))
        );
      };
      await cl.sim.require(settled, "every node follows the elected leader, in its term", 1_000);
      const l = cl.stableLeader() as NodeId;
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
  {
    part: "A",
    name: "a vote granted in an earlier term does not count",
    points: 2,
    hints: [
      "A RequestVoteReply can arrive long after it was sent: here the network holds one voter's grant until the candidate has stood again in later terms, and that voter has meanwhile voted for another node, which won.",
      "Figure 2: a candidate counts a vote only if the reply's term is its current term (and steps down if it is higher). A grant of an earlier term says nothing about this one; counting it lets two leaders win the same term.",
    ],
    async run(ctx) {
      const [a, b, c] = ctx.rng.shuffle(["n1", "n2", "n3"]) as [NodeId, NodeId, NodeId];
      // Timers run at the clock's rate: a times out first (103 to 207 ms), b and c from 272 ms.
      const cl = cluster(ctx, {
        nodes: 3,
        clocks: { [a]: { drift: 0.45 }, [b]: { drift: -0.45 }, [c]: { drift: -0.45 } },
      });
      // Only a and b talk, and everything b sends to a is held on the way.
      cl.sim.partition([a], [b], [c]);
      cl.sim.unblockOneWay(a, b);
      cl.sim.unblockOneWay(b, a);
      cl.sim.clog(b, a);
      await cl.sim.require(
        () => cl.node(b)?.votedFor === a && cl.term(b) === cl.term(a) && cl.node(a)?.role === "candidate",
        `${b} votes for ${a}, the first candidate`,
        1_000,
      );
      const heldTerm = cl.term(a);
      await idle(cl, 10); // the grant reaches the clogged link (deliveries take 1 to 5 ms) and waits there
      // a is cut off (and frozen, so its term stays); b and c elect a leader without it.
      cl.sim.partition([a], [b, c]);
      cl.sim.pause(a);
      const w = await cl.awaitLeader([b, c], 3_000, `a leader among ${b} and ${c} while ${a} is cut off`);
      const term = cl.term(w);
      // Cut off, a stands once per timeout, one term higher each time, until it reaches w's term.
      cl.sim.resume(a);
      await cl.sim.require(
        () => cl.term(a) === term && cl.node(a)?.role === "candidate",
        `${a}, cut off, stands for election in term ${term}, the term ${w} leads`,
        3_000,
      );
      // b's grant of term heldTerm reaches a, a candidate of term `term` with no other vote.
      cl.sim.pause(w); // no heartbeat of w overtakes it
      cl.sim.unblockOneWay(b, a);
      cl.sim.unclog(b, a);
      await idle(cl, 20);
      ctx.check(
        cl.node(a)?.role !== "leader",
        "votes of the current term only",
        `${a} became leader of term ${term} with ${b}'s vote of term ${heldTerm}; ${b} voted for ${w} in term ${term}`,
      );
      cl.sim.resume(w);
      for (const id of cl.ids) cl.sim.setClock(id, { drift: 0 });
      cl.healNetwork();
      await cl.awaitLeader(cl.ids, 2_000, "one leader once the network heals");
    },
  },
];
