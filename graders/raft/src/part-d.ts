/** Part D: the replicated key-value and counter service (section 8). */
import { randomNemesis, type FaultProfile, type NodeId } from "@faultline/sim";
import type { Scenario, ScenarioContext } from "@faultline/grading";
import type * as Raft from "@faultline/lab-raft";
import type { Cluster, RaftLab } from "./cluster.ts";
import { clients, cluster, commit, drive, History, runClientsUntil, type RaftClient } from "./helpers.ts";
import { checkHistory } from "./linearizable.ts";

const incr: Raft.Operation = { op: "incr" };
const KEYS = ["x", "y", "z"];

/** A random operation for client `i`: mostly on 3 shared keys, some counter traffic. */
function randomOp(ctx: ScenarioContext<RaftLab>, i: number, k: number): Raft.Operation {
  const r = ctx.rng.int(10);
  const key = ctx.rng.pick(KEYS);
  if (r < 3) return { op: "get", key };
  if (r < 5) return { op: "append", key, value: `${i}.${k} ` };
  if (r < 6) return { op: "put", key, value: `${i}.${k}` };
  if (r < 8) return incr;
  return { op: "read" };
}

/** Clients issue random operations until `until`; afterwards heal, commit once, check the history. */
async function linearizableUnder(
  ctx: ScenarioContext<RaftLab>,
  cl: Cluster,
  until: number,
  opts: { deadlineMs?: number } = {},
): Promise<void> {
  const history = new History();
  const cs = clients(cl, history);
  await runClientsUntil(
    cl,
    cs,
    until,
    5_000,
    (c, i, k) => c.run(randomOp(ctx, i, k), { deadlineMs: opts.deadlineMs ?? 1_000 }),
    { op: "read" },
  );
  const answered = history.ops.filter((o) => o.ret !== undefined).length;
  ctx.metric("operations answered", answered, "ops");
  ctx.check(
    answered >= 10,
    "progress",
    `only ${answered} of ${history.ops.length} client operations were answered while faults came and went`,
  );
  const wrong = checkHistory(history);
  ctx.check(wrong === undefined, "linearizability", `the clients' history is not linearizable: ${wrong}`);
  cl.finalChecks();
}

function profile(on: Partial<FaultProfile>): FaultProfile {
  return {
    partitions: false,
    oneWay: false,
    crashes: false,
    pauses: false,
    clogs: false,
    loss: false,
    clocks: false,
    ...on,
  };
}

export const partD: Array<Scenario<RaftLab>> = [
  {
    part: "D",
    name: "exactly-once under retries and duplicates",
    points: 5,
    hints: [
      "Clients retry with the SAME (clientId, seq) when an answer is late, and the network duplicates requests: the same request can reach the leader, and even the log, several times.",
      "Keep, per client, the highest seq applied and its result; apply a command only if its seq is higher, otherwise return the saved result (section 8).",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 3, clients: 3, faults: { duplicate: 0.3, drop: 0.1, copies: 2 } });
      const history = new History();
      const cs = clients(cl, history);
      let acked = 0;
      const nemesis = (async () => {
        for (let i = 0; i < 3; i++) {
          await (cs[0] as RaftClient).endpoint.sleep(700);
          const l = cl.leaders()[0];
          if (l) {
            cl.crash(l[0]);
            await (cs[0] as RaftClient).endpoint.sleep(100);
            cl.restart(l[0]);
          }
        }
      })();
      await drive(
        cl,
        "3 clients each complete 15 increments",
        () =>
          Promise.all([
            nemesis,
            ...cs.map(async (c) => {
              for (let k = 0; k < 15; k++) {
                const out = await c.run(incr, { deadlineMs: 10_000, attemptMs: 30 });
                if (!out.ok)
                  return ctx.fail("liveness", `${c.clientId}'s increment #${k + 1} was not answered within 10 s`);
                acked++;
              }
            }),
          ]),
        60_000,
      );
      cl.sim.setFaults({ drop: 0, duplicate: 0 });
      const out = await drive(
        cl,
        "a final read is answered",
        () => (cs[1] as RaftClient).run({ op: "read" }, { deadlineMs: 3_000 }),
        4_000,
      );
      ctx.check(
        out.ok && out.result === acked,
        "exactly once",
        () =>
          `${acked} increments were acknowledged (each retried until answered), but the counter reads ${out.ok ? String(out.result) : "(no answer)"}`,
      );
      const wrong = checkHistory(history);
      ctx.check(wrong === undefined, "linearizability", `the clients' history is not linearizable: ${wrong}`);
    },
  },
  {
    part: "D",
    name: "linearizable under partitions and crashes",
    points: 5,
    hints: [
      "Every get and read must see every write that completed before it started: serve them through the log like writes, and answer only after the entry is applied.",
      "A request whose answer was lost may be retried at a new leader; both copies may be committed, but the state machine applies it once and both answers carry the first result.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 5, clients: 3 });
      const until = 5_000;
      randomNemesis(cl.sim, {
        until,
        intervalMs: [150, 600],
        profile: profile({ partitions: true, crashes: true, loss: true, clogs: true }),
        maxDown: 2,
      });
      await linearizableUnder(ctx, cl, until);
    },
  },
  {
    part: "D",
    name: "one-way partitions",
    points: 3,
    hints: [
      "With one-way partitions a node may hear the leader but not be heard, or the reverse. Safety must hold whatever gets through.",
      "A node that cannot hear the leader starts elections with higher terms; the leader must step down when it sees them, and a node with a stale log must not win.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 5, clients: 3 });
      const until = 5_000;
      randomNemesis(cl.sim, { until, intervalMs: [150, 600], profile: profile({ oneWay: true, partitions: true }) });
      await linearizableUnder(ctx, cl, until);
    },
  },
  {
    part: "D",
    name: "a paused leader must not serve stale reads or commit",
    points: 4,
    hints: [
      "A leader that was paused (a long GC pause, a stopped VM) wakes up still believing it leads, although the others elected a new leader meanwhile.",
      "Do not answer reads from local state just because you believe you are leader: put them in the log (or confirm leadership with a majority first), so a deposed leader cannot answer.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 5, clients: 2 });
      const history = new History();
      const [c1, c2] = clients(cl, history) as [RaftClient, RaftClient];
      await commit(cl, c1, { op: "put", key: "x", value: "1" });
      await commit(cl, c1, incr);
      const old = await cl.awaitLeader();
      cl.disconnect(old); // clients still reach it
      cl.sim.pause(old);
      const rest = cl.ids.filter((id) => id !== old);
      await cl.awaitLeader(rest, 1_500, `a new leader while ${old} is paused`);
      await commit(cl, c2, { op: "put", key: "x", value: "2" }, { among: rest });
      await commit(cl, c2, incr, { among: rest });
      cl.sim.resume(old);
      const staleTerm = cl.term(old);
      // Ask the resumed (deposed) leader directly, once each.
      const ask = async (op: Raft.Operation): Promise<Raft.ClientReply | undefined> => {
        const seq = c1.sendOnce(old, op);
        const got = await c1.endpoint.receive(
          (r) => r.msg.type === "ClientReply" && r.msg.seq === seq && r.msg.clientId === c1.clientId,
          400,
        );
        const rec = history.ops.find((o) => o.clientId === c1.clientId && o.seq === seq);
        const reply = got?.msg as Raft.ClientReply | undefined;
        if (rec && reply?.status === "ok") {
          rec.ret = cl.sim.now;
          rec.result = reply.result;
        }
        return reply;
      };
      const get = await drive(cl, "ask the old leader for x", () => ask({ op: "get", key: "x" }), 1_000);
      const read = await drive(cl, "ask the old leader for the counter", () => ask({ op: "read" }), 1_000);
      const putSeq = c1.lastSeq + 1;
      const put = await drive(
        cl,
        "ask the old leader to write x",
        () => ask({ op: "put", key: "x", value: "3" }),
        1_000,
      );
      const stale = (r: Raft.ClientReply | undefined, fresh: Raft.OpResult) => r?.status === "ok" && r.result !== fresh;
      ctx.check(
        !stale(get, "2"),
        "no stale reads",
        () =>
          `${old} was paused, replaced, and resumed still believing it leads term ${staleTerm}; it answered get(x) = ${JSON.stringify(get?.status === "ok" ? get.result : "")} although put(x, "2") had completed at the new leader`,
      );
      ctx.check(
        !stale(read, 2),
        "no stale reads",
        () =>
          `${old} (deposed leader of term ${staleTerm}) answered read = ${JSON.stringify(read?.status === "ok" ? read.result : "")} although the counter was already 2`,
      );
      ctx.check(
        put?.status !== "ok",
        "no commit after resume",
        `${old}, cut off from the others after its pause, acknowledged put(x, "3"): it cannot have committed it`,
      );
      cl.connect(old);
      await commit(cl, c2, { op: "get", key: "x" });
      const committed = cl.committed.some((c) => c.key.includes(`|${c1.clientId}|${putSeq}|`));
      ctx.check(
        !committed,
        "no commit after resume",
        `put(x, "3") sent to the deposed leader ${old} ended up committed`,
      );
      const wrong = checkHistory(history);
      ctx.check(wrong === undefined, "linearizability", `the clients' history is not linearizable: ${wrong}`);
    },
  },
  {
    part: "D",
    name: "skewed and drifting clocks",
    points: 3,
    hints: [
      "Node clocks are offset by up to a second, drift by up to 5% and jump. Use env.setTimer for timeouts; do not compare env.now() readings of different nodes.",
      "Correctness must never depend on time: leases or timestamps taken from a skewed clock can make a deposed leader answer reads.",
    ],
    async run(ctx) {
      const clocks: Record<NodeId, { offset: number; drift: number }> = {};
      for (let i = 1; i <= 5; i++)
        clocks[`n${i}`] = {
          offset: Math.round(ctx.rng.range(-1_000, 1_000)),
          drift: Math.round(ctx.rng.range(-0.05, 0.05) * 1000) / 1000,
        };
      const cl = cluster(ctx, { nodes: 5, clients: 3, clocks });
      const until = 5_000;
      randomNemesis(cl.sim, {
        until,
        intervalMs: [150, 600],
        profile: profile({ clocks: true, pauses: true, partitions: true }),
        maxSkewMs: 1_000,
      });
      await linearizableUnder(ctx, cl, until);
    },
  },
];
