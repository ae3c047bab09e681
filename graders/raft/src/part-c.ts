/** Part C: persistence and crash recovery (Figure 2 "persistent state", section 5.4.2). */
import { randomNemesis, type NodeId } from "@faultline/sim";
import type { Scenario } from "@faultline/grading";
import type * as Raft from "@faultline/lab-raft";
import type { RaftLab } from "./cluster.ts";
import {
  clients,
  cluster,
  clusterWithClient,
  commit,
  drive,
  idle,
  others,
  pickNodes,
  runClientsUntil,
  settle,
  type RaftClient,
} from "./helpers.ts";

const incr: Raft.Operation = { op: "incr" };
const put = (key: string, value: string): Raft.Operation => ({ op: "put", key, value });

/** Every acknowledged (clientId, seq) is in the committed log of every node. */
function acknowledgedAreCommitted(
  cl: ReturnType<typeof cluster>,
  acked: ReadonlyArray<{ clientId: string; seq: number }>,
): string | undefined {
  for (const id of cl.ids) {
    const n = cl.node(id);
    if (!n) continue;
    const have = new Set<string>();
    for (let i = 0; i < n.commitIndex; i++) {
      const c = n.log[i]?.command;
      if (c) have.add(`${c.clientId}/${c.seq}`);
    }
    for (const a of acked) {
      if (!have.has(`${a.clientId}/${a.seq}`))
        return `${a.clientId}'s request #${a.seq} was acknowledged as committed but is not in ${id}'s committed log (${n.commitIndex} entries)`;
    }
  }
  return undefined;
}

export const partC: Array<Scenario<RaftLab>> = [
  {
    part: "C",
    name: "restart of all nodes",
    points: 4,
    hints: [
      'currentTerm, votedFor and the log must survive a crash: write them to env.disk and call env.disk.sync() before any message leaves the node (Figure 2: "updated on stable storage before responding to RPCs").',
      "In start(env), read them back. commitIndex and lastApplied start at 0 again: the state machine is rebuilt by re-applying the committed entries, so do not also keep a saved copy of it.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 3 });
      for (let round = 0; round < 4; round++) {
        await commit(cl, c, incr);
        await commit(cl, c, put("k", `r${round}`));
        for (const id of cl.ids) cl.crash(id);
        for (const id of cl.ids) cl.restart(id);
      }
      for (let i = 0; i < 3; i++) await commit(cl, c, incr);
      await idle(cl, 300);
    },
  },
  {
    part: "C",
    name: "restart of the leader, a partitioned leader and a follower",
    points: 4,
    hints: [
      "A restarted leader comes back as a follower with its log and term from disk and must accept the new leader's log.",
      "A node that voted, crashed and restarted in the same term must remember its vote, or two leaders can win one term.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 5 });
      await commit(cl, c, incr);
      for (let round = 0; round < 3; round++) {
        const l = await cl.awaitLeader();
        cl.crash(l);
        await commit(cl, c, incr, { among: others(cl, l) });
        cl.restart(l);
        await commit(cl, c, incr);
        const l2 = await cl.awaitLeader();
        const f = pickNodes(cl, 1, others(cl, l2))[0] as NodeId;
        cl.disconnect(l2, f);
        c.sendOnce(l2, put("lost", `${round}`));
        await commit(cl, c, incr, { among: others(cl, l2, f) });
        cl.crash(l2);
        cl.crash(f);
        cl.restart(l2);
        cl.restart(f);
        cl.connect(l2, f);
        await commit(cl, c, incr);
      }
    },
  },
  {
    part: "C",
    name: "Figure 8: crash the leader right after appends",
    points: 7,
    seeds: 10,
    hints: [
      "The leader keeps crashing right after it appends a command, so new leaders often find entries of earlier terms on a majority of nodes.",
      "Such an entry is NOT committed just because a majority stores it: a leader counts replicas only for entries of its own term; older entries become committed with them (section 5.4.2, Figure 8).",
      "Check the condition log[N].term == currentTerm before setting commitIndex = N.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 5 });
      const rng = ctx.rng;
      await commit(cl, c, incr);
      for (let round = 0; round < 1000; round++) {
        for (const id of cl.ids) if (cl.running(id)) c.sendOnce(id, incr);
        await idle(cl, rng.chance(0.1) ? rng.int(150) : rng.int(13));
        const l = cl.leaders()[0];
        if (l) cl.crash(l[0]);
        const down = cl.ids.filter((id) => !cl.sim.isUp(id));
        if (cl.ids.length - down.length < 3) cl.restart(rng.pick(down));
      }
      for (const id of cl.ids) cl.restart(id);
      await commit(cl, c, incr, { withinMs: 5_000 });
    },
  },
  {
    part: "C",
    name: "unreliable network with reordering",
    points: 4,
    hints: [
      "Messages arrive late, twice, or out of order: an old AppendEntries can arrive after a newer one. It must not shorten the log or lower commitIndex.",
      "Delete entries only at the first index whose term conflicts; keep everything when all entries match (Figure 2, AppendEntries rule 3). Raise commitIndex only (rule 5).",
      "Ignore replies from older terms; a late success reply must not lower matchIndex.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, {
        nodes: 5,
        clients: 3,
        faults: { drop: 0.1, duplicate: 0.15, delay: { kind: "uniform", min: 1, max: 45 } },
      });
      const cs = clients(cl);
      const acked: Array<{ clientId: string; seq: number }> = [];
      await drive(
        cl,
        "3 clients each complete 25 commands on an unreliable network",
        () =>
          Promise.all(
            cs.map(async (c, i) => {
              for (let k = 0; k < 25; k++) {
                const out = await c.run(k % 3 === 0 ? put(`k${i}`, `${k}`) : incr, {
                  deadlineMs: 10_000,
                  attemptMs: 250,
                });
                if (!out.ok)
                  return ctx.fail(
                    "liveness",
                    `${c.clientId}'s command #${k + 1} was not answered within 10 s (10% loss, 15% duplicates, delays up to 45 ms)`,
                  );
                acked.push({ clientId: c.clientId, seq: c.lastSeq });
              }
            }),
          ),
        60_000,
      );
      cl.sim.setFaults({ drop: 0, duplicate: 0, delay: { kind: "uniform", min: 1, max: 5 } });
      await commit(cl, cs[0] as RaftClient, incr);
      // Followers learn the commit index with the next AppendEntries: give them the time.
      const missing = await settle(cl, () => acknowledgedAreCommitted(cl, acked));
      ctx.check(missing === undefined, "acknowledged writes survive", `${missing} (still after 3 s)`);
      cl.finalChecks();
    },
  },
  {
    part: "C",
    name: "churn: random crashes, partitions and restarts while clients run",
    points: 6,
    hints: [
      "Nodes crash, restart and get partitioned while clients keep sending. Every request a client saw acknowledged must be in the final log of every node.",
      "Acknowledge a request only after its entry is committed and applied; persist before replying; on restart, read everything back and start as a follower.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 5, clients: 3 });
      const cs = clients(cl);
      const until = 6_000;
      const profile = randomNemesis(cl.sim, {
        until,
        intervalMs: [100, 600],
        allowed: {
          partitions: true,
          crashes: true,
          loss: true,
          oneWay: false,
          pauses: false,
          clogs: false,
          clocks: false,
        },
        maxDown: 2,
      });
      ctx.log(
        `nemesis: ${Object.entries(profile)
          .filter(([, on]) => on)
          .map(([k]) => k)
          .join(", ")}`,
      );
      const acked: Array<{ clientId: string; seq: number }> = [];
      await runClientsUntil(
        cl,
        cs,
        until,
        2_000,
        async (c, i, k) => {
          const out = await c.run(k % 2 === 0 ? incr : put(`k${i}`, `${k + 1}`), { deadlineMs: 800 });
          if (out.ok) acked.push({ clientId: c.clientId, seq: c.lastSeq });
        },
        incr,
      );
      const missing = await settle(cl, () => acknowledgedAreCommitted(cl, acked));
      ctx.check(missing === undefined, "acknowledged writes survive", `${missing} (still after 3 s)`);
      ctx.metric("acknowledged requests", acked.length, "requests");
      cl.finalChecks();
    },
  },
];
