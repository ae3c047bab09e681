/** Part B: log replication (section 5.3, 5.4). */
import type { Scenario, ScenarioContext } from "@faultline/grading";
import type * as Raft from "@faultline/lab-raft";
import type { RaftLab } from "./cluster.ts";
import {
  clients,
  cluster,
  clusterWithClient,
  commit,
  drive,
  idle,
  logsEqual,
  others,
  pickNodes,
  settle,
  type RaftClient,
} from "./helpers.ts";

const put = (key: string, value: string): Raft.Operation => ({ op: "put", key, value });
const incr: Raft.Operation = { op: "incr" };

export const partB: Array<Scenario<RaftLab>> = [
  {
    part: "B",
    name: "basic agreement",
    points: 3,
    hints: [
      "The leader appends the client's command to its log, sends it in AppendEntries, and commits it once a majority stores it; followers commit when leaderCommit tells them.",
      "Each command takes the next log index. Followers learn the commit index from the leaderCommit field of the next AppendEntries (a heartbeat is enough).",
      "Answer the client only after the entry is committed AND applied to the state machine (the answer carries the result), and at once: remember who asked for each (clientId, seq) and answer when that entry is applied.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 3 });
      await cl.awaitLeader();
      ctx.check(
        cl.maxCommit() === 0,
        "no commit before a command",
        `a node committed index ${cl.maxCommit()} before any client command was sent`,
      );
      let last = 0;
      let slowest = 0;
      for (let i = 1; i <= 5; i++) {
        const index = await commit(cl, c, i % 2 === 0 ? incr : put("k", `v${i}`), { strict: true });
        // A client gives a silent node 120 ms before it asks another (see client.ts).
        slowest = Math.max(slowest, c.lastLatencyMs);
        ctx.check(
          c.lastLatencyMs <= 100,
          "answered when applied",
          `command ${i} was answered ${c.lastLatencyMs.toFixed(0)} ms after it was first sent on a healthy cluster (at most 100 ms expected): a follower answers redirect at once, and the leader answers as soon as it applies the entry, not only when the client asks again`,
        );
        ctx.check(
          index > last,
          "log order",
          `command ${i} was committed at index ${index}, not after the previous one at ${last}`,
        );
        last = index;
      }
      ctx.metric("slowest answer on a healthy cluster", slowest, "ms");
    },
  },
  {
    part: "B",
    name: "agreement despite follower and leader failures",
    points: 3,
    hints: [
      "Two of three nodes are a majority: the leader keeps committing while one follower is cut off, and the follower catches up when it returns (the leader retries AppendEntries from nextIndex).",
      "When the leader crashes, a new leader must be elected and must keep committing; when the old leader restarts it must accept the new leader's log.",
      "A new leader may know a lower commit index than its followers for a moment: a follower never lowers its commitIndex (only raise it to min(leaderCommit, index of last new entry)).",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 3 });
      await commit(cl, c, put("a", "1"));
      for (let round = 0; round < 3; round++) {
        const l = await cl.awaitLeader();
        const f = pickNodes(cl, 1, others(cl, l))[0] as string;
        cl.disconnect(f);
        for (let i = 0; i < 3; i++) await commit(cl, c, incr, { among: others(cl, f) });
        cl.connect(f);
        await commit(cl, c, put("a", `f${round}`));
        const l2 = await cl.awaitLeader();
        cl.crash(l2);
        for (let i = 0; i < 3; i++) await commit(cl, c, incr, { among: others(cl, l2) });
        cl.restart(l2);
        await commit(cl, c, put("a", `l${round}`));
      }
      const diff = await settle(cl, () => logsEqual(cl)); // a follower may still be catching up
      ctx.check(
        diff === undefined,
        "logs agree",
        `after the failures healed and a command committed everywhere, logs still differ: ${diff}`,
      );
    },
  },
  {
    part: "B",
    name: "no agreement without a majority",
    points: 2,
    hints: [
      "A leader cut off from 3 of 5 nodes may append a command, but must never commit it: commit needs matchIndex >= N on a majority of ALL nodes.",
      "Count the leader itself once and each follower once, whatever the number of replies it sent.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 5, faults: { duplicate: 0.2 } });
      await commit(cl, c, put("x", "1"));
      const l = await cl.awaitLeader();
      const cut = pickNodes(cl, 3, others(cl, l));
      cl.disconnect(...cut);
      const before = cl.node(l)?.commitIndex ?? 0;
      c.endpoint.clearInbox();
      const seq = c.sendOnce(l, put("x", "minority"));
      await idle(cl, 1_000);
      const log = cl.node(l)?.log ?? [];
      const idx = log.findIndex((e) => e.command?.clientId === c.clientId && e.command.seq === seq) + 1;
      ctx.check(
        idx > 0,
        "leader appends",
        `leader ${l} did not append the client's command to its log (it has ${log.length} entries)`,
      );
      for (const id of cl.ids) {
        const n = cl.node(id);
        ctx.check(
          (n?.commitIndex ?? 0) < idx,
          "no commit without a majority",
          `${id} committed index ${n?.commitIndex} (the command sent to ${l}, which only reaches ${others(cl, ...cut).join(", ")}); commit index was ${before}`,
        );
      }
      const answer = await drive(
        cl,
        "inbox check",
        () => c.endpoint.receive((r) => r.msg.type === "ClientReply" && r.msg.seq === seq && r.msg.status === "ok", 1),
        10,
      );
      ctx.check(
        answer === undefined,
        "no answer without a majority",
        `${l} answered "ok" to a command it could not commit`,
      );
      cl.connect(...cut);
      await commit(cl, c, put("x", "2"));
    },
  },
  {
    part: "B",
    name: "concurrent client commands",
    points: 2,
    hints: [
      "Several clients send at once: every command gets its own log index, and each client gets its own answer (match replies to requests by clientId and seq).",
      "Keep a map from (clientId, seq) to the client waiting for it; answer when that entry is applied.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 3, clients: 5 });
      const cs = clients(cl);
      await cl.awaitLeader();
      let incrs = 0;
      const results: number[] = [];
      await drive(
        cl,
        "5 clients each complete 10 commands",
        () =>
          Promise.all(
            cs.map(async (c, i) => {
              for (let k = 0; k < 10; k++) {
                const op: Raft.Operation = k % 2 === 0 ? incr : put(`k${i}`, `${k}`);
                const out = await c.run(op, { deadlineMs: 3_000 });
                if (!out.ok)
                  return ctx.fail(
                    "liveness",
                    `${c.clientId}'s command #${k + 1} was not answered within 3 s on a healthy cluster`,
                  );
                if (op.op === "incr") {
                  incrs++;
                  results.push(out.result as number);
                }
              }
            }),
          ),
        20_000,
      );
      const sorted = [...results].sort((a, b) => a - b);
      ctx.check(
        sorted.every((v, i) => v === i + 1),
        "each command once",
        `the ${incrs} incr commands returned ${sorted.join(", ")}; expected each of 1..${incrs} exactly once`,
      );
      await cl.sim.require(
        () => cl.ids.every((id) => cl.node(id)?.commitIndex === cl.maxCommit()),
        "every node commits everything",
        1_000,
      );
      const diff = await settle(cl, () => logsEqual(cl)); // a follower may still be catching up
      ctx.check(diff === undefined, "logs agree", `${diff}`);
    },
  },
  {
    part: "B",
    name: "rejoining old leader's uncommitted entries are overwritten",
    points: 2,
    hints: [
      "A leader cut off from the others keeps appending commands it cannot commit. When it returns, the new leader's AppendEntries conflict with those entries.",
      "Delete the conflicting entry and everything after it, then append the leader's entries (Figure 2, AppendEntries rule 3).",
      "The old leader must not win an election with its longer log: the others' last entry has a higher term (section 5.4.1).",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 3, clients: 2 });
      const [c, d] = clients(cl) as [RaftClient, RaftClient];
      await commit(cl, c, put("x", "101"));
      const l1 = await cl.awaitLeader();
      cl.disconnect(l1);
      const orphans = [
        d.sendOnce(l1, put("x", "102")),
        d.sendOnce(l1, put("x", "103")),
        d.sendOnce(l1, put("x", "104")),
      ];
      await commit(cl, c, put("x", "105"), { among: others(cl, l1) });
      const l2 = await cl.awaitLeader(others(cl, l1));
      cl.disconnect(l2);
      cl.connect(l1);
      await commit(cl, c, put("x", "106"), { among: others(cl, l2) });
      cl.connect(l2);
      await commit(cl, c, put("x", "107"));
      for (const id of cl.ids) {
        const log = cl.node(id)?.log ?? [];
        const left = log.filter((e) => e.command?.clientId === d.clientId && orphans.includes(e.command.seq));
        ctx.check(
          left.length === 0,
          "uncommitted entries overwritten",
          `${id} still holds ${left.length} of the entries old leader ${l1} appended while cut off (they were never committed and must be replaced by the new leader's entries)`,
        );
      }
      const diff = await settle(cl, () => logsEqual(cl)); // a follower may still be catching up
      ctx.check(diff === undefined, "logs agree", `${diff}`);
    },
  },
  {
    part: "B",
    name: "fast backup over 50 divergent entries",
    points: 3,
    hints: [
      "When a follower rejects AppendEntries, it can tell the leader the term of its conflicting entry and the first index of that term (AppendEntriesReply.conflictTerm / conflictIndex).",
      "The leader then skips the whole term: nextIndex = (its last index of conflictTerm) + 1 if it has that term, else conflictIndex. Retry at once, do not wait for the next heartbeat.",
      "Backing up one entry per round trip needs 60 rejections here; the grader allows a handful. In the second round the leader holds no entry of the conflicting term: conflictIndex must be the first index of that term in the follower's log.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 5, clients: 2 });
      const [c, d] = clients(cl) as [RaftClient, RaftClient];
      await commit(cl, c, put("x", "0"));
      // Round 1: the divergent entries are of a term the new leader also holds (it skips to its
      // own last entry of conflictTerm). Round 2: of a fresh term no node of the majority holds
      // an entry of, so only the follower's conflictIndex can skip them.
      for (const round of [1, 2]) {
        let l1 = await cl.awaitLeader();
        if (round === 2) {
          const t0 = cl.term(l1);
          cl.crash(l1);
          cl.restart(l1);
          await cl.sim.require(
            () => {
              const l = cl.stableLeader();
              return l !== undefined && cl.term(l) > t0;
            },
            `round 2: a leader of a new term after ${l1} restarted`,
            1_500,
          );
          l1 = cl.stableLeader() as string; // it holds no entry of its own term yet
        }
        const f1 = pickNodes(cl, 1, others(cl, l1))[0] as string;
        const majority = others(cl, l1, f1);
        const before = cl.node(l1)?.log.length ?? 0;
        cl.partition([l1, f1], majority);
        for (let i = 0; i < 60; i++) d.sendOnce(l1, put("y", `old${round}.${i}`));
        await cl.awaitLeader(majority, 1_500);
        await drive(
          cl,
          `round ${round}: 60 commands commit on the majority side`,
          async () => {
            for (let i = 0; i < 60; i++) {
              const out = await c.run(put("y", `new${round}.${i}`), { deadlineMs: 2_000 });
              if (!out.ok)
                ctx.fail(
                  "liveness",
                  `round ${round}: command ${i + 1} of 60 was not committed by the majority ${majority.join(", ")}`,
                );
            }
          },
          30_000,
        );
        // A fresh leader on the majority side starts with nextIndex just past its own long log,
        // so it must back up over the divergent entries of the old leader and its follower.
        const l2 = await cl.awaitLeader(majority, 1_000);
        const t2 = cl.term(l2);
        cl.crash(l2);
        cl.restart(l2);
        await cl.sim.require(
          () => {
            const l = cl.stableLeader(majority);
            return l !== undefined && cl.term(l) > t2;
          },
          `round ${round}: a new leader on the majority side after ${l2} restarted`,
          1_500,
        );
        const divergent = (cl.node(l1)?.log.length ?? 0) - before;
        ctx.check(
          divergent >= 50,
          "setup",
          `round ${round}: old leader ${l1} should hold 60 uncommitted entries but holds ${divergent}`,
        );
        const r0 = (cl.rejections.get(l1) ?? 0) + (cl.rejections.get(f1) ?? 0);
        cl.healNetwork();
        const l3 = await cl.awaitLeader(cl.ids, 1_500);
        const target = () => cl.node(l3)?.log.length ?? 0;
        await cl.sim.require(
          () => [l1, f1].every((id) => cl.node(id)?.log.length === target() && logsEqual(cl, [id, l3]) === undefined),
          `round ${round}: ${l1} and ${f1} replace their 60 divergent entries with ${l3}'s`,
          1_000,
        );
        const rejected = (cl.rejections.get(l1) ?? 0) + (cl.rejections.get(f1) ?? 0) - r0;
        ctx.metric(`rejected AppendEntries while backing up (round ${round})`, rejected, "messages");
        ctx.check(
          rejected <= 12,
          "fast backup",
          `round ${round}: ${l1} and ${f1} rejected ${rejected} AppendEntries before matching ${l3}'s log over ~60 divergent entries${round === 2 ? ` of a term ${l3} holds no entry of` : ""}: back up a whole term per rejection (at most 12 expected)`,
        );
        await commit(cl, c, put("y", `done${round}`));
      }
    },
  },
  {
    part: "B",
    name: "a leader elected again starts nextIndex and matchIndex afresh",
    points: 2,
    hints: [
      "Figure 2: nextIndex[] and matchIndex[] are volatile state on leaders, reinitialized after election: nextIndex to the leader's last log index + 1, matchIndex to 0.",
      "A node that led before may still hold what it learned about its followers then, but another leader has rewritten logs since. A stale matchIndex counts a follower for entries it does not hold, and keeps nextIndex from backing up below it, so that follower is never repaired.",
    ],
    async run(ctx) {
      const { cl, c, l, f, m } = await electOldLeaderAgain(ctx, { holdAcks: false });
      cl.restart(m);
      cl.healNetwork();
      // f still holds the 5 entries of l's old term, which l's own log no longer has.
      const diff = await settle(cl, () => logsEqual(cl, [l, f]), 2_000);
      ctx.check(
        diff === undefined,
        "follower repaired",
        () =>
          `${l}, leader again, did not repair ${f}'s log within 2 s (${diff}); ${f} still holds entries ${l} sent it when it led before, and ${l}'s log has changed since: reinitialize nextIndex and matchIndex after every election`,
      );
      await commit(cl, c, put("y", "after"));
    },
  },
  {
    part: "B",
    name: "a request retried after its entry was overwritten is appended again",
    points: 1,
    hints: [
      "A leader remembers which client requests wait for their entry to apply, so that a retry of one already in its log is not appended twice. Those entries are uncommitted: another leader may overwrite them.",
      "When a leader steps down, forget the requests it was waiting on (their clients retry at the new leader). A node elected again that still takes a retry for one already in its log never appends it, and the client waits for ever (section 8).",
    ],
    async run(ctx) {
      const { cl, d, l, m } = await electOldLeaderAgain(ctx, { holdAcks: false });
      // d asked l for y=old4 when l led before; that entry was replaced by m's log. d never heard
      // back, so it sends the same request (same seq) again.
      const index = cl.node(l)?.log.length ?? 0;
      const out = await drive(
        cl,
        `${d.clientId}'s request #${d.lastSeq} (put y=old4), sent again, is answered`,
        () => d.repeatLast(put("y", "old4"), { deadlineMs: 2_000 }),
        2_500,
      );
      ctx.check(
        out.ok,
        "a retried request is answered",
        () =>
          `${d.clientId}'s request #${d.lastSeq} (put y=old4), sent again to ${l}, was not answered within 2 s; ${l} appended it in an earlier term, that entry was overwritten, and ${l}'s log (${index} entries when the retry began) does not hold it now: a leader that steps down must forget the requests it was waiting on, so that a retry is appended again`,
      );
      cl.restart(m);
      cl.healNetwork();
    },
  },
  {
    part: "B",
    name: "an acknowledgement of an earlier term does not count",
    points: 2,
    hints: [
      "An AppendEntriesReply can arrive long after it was sent: here a follower's acknowledgements of an earlier term, when it matched another log, reach the node that led then only after it is leader again.",
      "Figure 2: a leader updates matchIndex only from replies of its current term. An old success says what the follower held then, not now; counting it commits entries a majority does not store, and a later leader without them overwrites what was applied.",
    ],
    async run(ctx) {
      const { cl, c, d, l, f, m } = await electOldLeaderAgain(ctx, { holdAcks: true });
      // l, with y alone, appends 4 entries of its new term: stored on 2 of 5 nodes, not committed.
      const [x, y] = pickNodes(cl, 2, others(cl, l, f, m)) as [string, string];
      cl.partition([l, y], [x], [f]);
      await idle(cl, 60); // what x acknowledged before the cut is counted by now
      const before = cl.node(l)?.commitIndex ?? 0;
      const want = (cl.node(l)?.log.length ?? 0) + 4;
      for (let i = 0; i < 4; i++) d.sendOnce(l, put("z", `${i}`));
      await cl.sim.require(
        () => (cl.node(y)?.log.length ?? 0) >= want && (cl.node(l)?.log.length ?? 0) >= want,
        `${l} replicates 4 new entries to ${y}`,
        1_000,
      );
      // f's acknowledgements of l's earlier term arrive now.
      cl.sim.unblockOneWay(f, l);
      cl.sim.unclog(f, l);
      await idle(cl, 20);
      const after = cl.node(l)?.commitIndex ?? 0;
      ctx.check(
        after === before,
        "acknowledgements of the current term only",
        `${l}, leader of term ${cl.term(l)}, advanced its commit index from ${before} to ${after} when ${f}'s acknowledgements of an earlier term arrived; only ${l} and ${y} store those entries (${f} holds other entries there)`,
      );
      // Without l and y, a leader of x, m and f has none of those entries.
      cl.crash(l);
      cl.crash(y);
      cl.restart(m);
      cl.sim.resume(f);
      cl.partition([l, y]);
      await cl.awaitLeader([x, m, f], 3_000, `a leader among ${x}, ${m} and ${f} while ${l} and ${y} are down`);
      cl.restart(l);
      cl.restart(y);
      cl.healNetwork();
      await commit(cl, c, put("z", "after"));
    },
  },
  {
    part: "B",
    name: "a stale log cannot win an election",
    points: 2,
    hints: [
      "Nodes cut off for a while come back with high terms but old logs. They may force an election, but must not win it.",
      "Grant a vote only if the candidate's log is at least as up-to-date as yours: its last term is higher, or equal with a last index at least as large (section 5.4.1).",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 5 });
      await commit(cl, c, incr);
      for (let round = 0; round < 3; round++) {
        const l = await cl.awaitLeader();
        const [s1, s2, u, u2] = ctx.rng.shuffle(others(cl, l)) as [string, string, string, string];
        cl.disconnect(s1, s2);
        for (let i = 0; i < 4; i++) await commit(cl, c, incr, { among: [l, u, u2] });
        await idle(cl, 600);
        cl.crash(l);
        cl.crash(u2);
        cl.connect(s1, s2);
        const w = await cl.awaitLeader(
          [u, s1, s2],
          3_000,
          `a leader among ${u}, ${s1} and ${s2} after ${l} and ${u2} crashed`,
        );
        ctx.check(w === u, "up-to-date leader", `${w} won the election although only ${u} holds every committed entry`);
        cl.restart(l);
        cl.restart(u2);
        await commit(cl, c, incr);
      }
    },
  },
  {
    part: "B",
    name: "a RequestVote of an earlier term is refused",
    points: 2,
    hints: [
      "A RequestVote can arrive long after it was sent: here a candidate's request is held on the way while the voter moves to a later term in which it has not voted (it refused a candidate with a stale log).",
      "Figure 2, RequestVote rule 1: reply false if term < currentTerm. Answer with your current term, so the old candidate steps down; granting would spend your vote of this term on a node that is not a candidate in it. The grader checks that every granted vote is in the term of the request.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 5 });
      await commit(cl, c, incr);
      const l = await cl.awaitLeader();
      const [q, s, v, x] = ctx.rng.shuffle(others(cl, l)) as [string, string, string, string];
      // q, cut off, misses two entries while its term runs ahead.
      cl.disconnect(q);
      for (let i = 0; i < 2; i++) await commit(cl, c, incr, { among: [l, s, v, x] });
      // s, cut off too, stands once; its RequestVote to v is held on the way.
      const term = cl.term(l);
      cl.partition([q], [s]);
      cl.sim.unblockOneWay(s, v);
      cl.sim.clog(s, v);
      await cl.sim.require(() => cl.term(s) > term, `${s}, cut off, stands for election`, 1_000);
      await idle(cl, 10); // its RequestVote reaches the clogged link (deliveries take 1 to 5 ms)
      cl.sim.pause(s); // no later RequestVote of s
      const asked = cl.term(s);
      await cl.sim.require(
        () => cl.term(q) > asked,
        `${q}, cut off, stands for election until its term passes ${asked}`,
        2_000,
      );
      // q's next RequestVote reaches v: the highest term but a stale log. v adopts the term and
      // refuses its vote.
      cl.sim.unblockOneWay(q, v);
      await cl.sim.require(
        () => cl.term(v) >= cl.term(q) && cl.term(v) > asked && cl.node(v)?.votedFor === null,
        `${v} adopts ${q}'s term and refuses to vote for ${q}, whose log lacks committed entries`,
        1_000,
      );
      // s's RequestVote of term `asked` reaches v, in a later term in which v has not voted.
      cl.sim.unblockOneWay(s, v);
      cl.sim.unclog(s, v);
      await idle(cl, 20);
      cl.sim.resume(s);
      cl.healNetwork();
      await commit(cl, c, incr);
    },
  },
  {
    part: "B",
    name: "candidates with stale logs cannot starve the up-to-date node",
    points: 2,
    hints: [
      "Two nodes with stale logs and fast clocks keep starting elections they cannot win; the only node that holds every committed entry has a slow clock. It must still time out, stand and win.",
      "Figure 2 restarts the election timer only when granting a vote, on AppendEntries from the current leader, and when starting an election. Seeing a higher term makes a node a follower but does not restart its timer: otherwise every hopeless election postpones the one that can succeed.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 5 });
      await commit(cl, c, incr);
      const l = await cl.awaitLeader();
      const [s1, s2, u, u2] = ctx.rng.shuffle(others(cl, l)) as [string, string, string, string];
      // Timers run at the clock's rate: the stale nodes time out within 150/1.45 to 300/1.45 ms,
      // u only after 150/0.65 ms (231 ms), and its heartbeats as leader come every 77 ms, before
      // any stale node times out (103 ms). Only the timer rule decides whether u ever stands.
      cl.sim.setClock(s1, { drift: 0.45 });
      cl.sim.setClock(s2, { drift: 0.45 });
      cl.sim.setClock(u, { drift: -0.35 });
      cl.disconnect(s1, s2);
      for (let i = 0; i < 3; i++) await commit(cl, c, incr, { among: [l, u, u2] });
      await idle(cl, 600); // the cut-off nodes' terms run ahead
      cl.crash(l);
      cl.crash(u2);
      cl.connect(s1, s2);
      const w = await cl.awaitLeader(
        [u, s1, s2],
        3_000,
        `a leader among ${u}, ${s1} and ${s2} (only ${u} holds every committed entry; ${s1} and ${s2} time out faster than ${u})`,
      );
      ctx.check(w === u, "up-to-date leader", `${w} won the election although only ${u} holds every committed entry`);
      for (const id of [s1, s2, u]) cl.sim.setClock(id, { drift: 0 });
      cl.restart(l);
      cl.restart(u2);
      await commit(cl, c, incr);
    },
  },
  {
    part: "B",
    name: "RPC count bounds on idle and busy clusters",
    points: 1,
    hints: [
      "Send one AppendEntries per follower per new command (or batch several commands), plus the heartbeats; do not answer every reply with a fresh round to everyone.",
      "An idle leader sends only heartbeats: one AppendEntries per follower per heartbeat interval.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 3 });
      await commit(cl, c, incr);
      const t0 = cl.sim.now;
      const before = cl.sent("AppendEntries") + cl.sent("AppendEntriesReply");
      for (let i = 0; i < 20; i++) await commit(cl, c, incr);
      const busy = cl.sent("AppendEntries") + cl.sent("AppendEntriesReply") - before;
      const beats = Math.ceil((cl.sim.now - t0) / 50) * 4;
      ctx.metric("AppendEntries + replies per command", busy / 20, "messages");
      ctx.check(
        busy <= 20 * 12 + 2 * beats,
        "busy RPC count",
        `20 commands on a 3-node cluster took ${busy} AppendEntries messages and replies (at most ${20 * 12 + 2 * beats} expected)`,
      );
      const idleBefore = cl.sent("AppendEntries");
      await idle(cl, 1_000);
      const idleCount = cl.sent("AppendEntries") - idleBefore;
      ctx.check(
        idleCount <= 2 * 25,
        "idle RPC count",
        `an idle leader sent ${idleCount} AppendEntries to 2 followers in 1 s (at most 50 expected)`,
      );
    },
  },
];

/**
 * The setting of the two re-election tests: l leads with one follower f cut off with it and
 * replicates 5 entries to f that it can never commit; the other three elect m and commit past
 * them; l, back with the majority (f cut off), takes m's log and, its clock fastest, is elected
 * again once m crashes. With `holdAcks`, f's acknowledgements of l's first term are held on the
 * f->l link (released by the caller) and f is paused, so it keeps those entries and that term.
 */
async function electOldLeaderAgain(ctx: ScenarioContext<RaftLab>, opts: { holdAcks: boolean }) {
  const cl = cluster(ctx, { nodes: 5, clients: 2 });
  const [c, d] = clients(cl) as [RaftClient, RaftClient];
  await commit(cl, c, put("x", "0"));
  const l = await cl.awaitLeader();
  const f = pickNodes(cl, 1, others(cl, l))[0] as string;
  const rest = others(cl, l, f);
  const base = cl.node(l)?.log.length ?? 0;
  cl.partition([l, f], rest);
  if (opts.holdAcks) cl.sim.clog(f, l);
  for (let i = 0; i < 5; i++) d.sendOnce(l, put("y", `old${i}`));
  await cl.sim.require(
    () => (cl.node(f)?.log.length ?? 0) >= base + 5,
    `${f} stores the 5 entries its leader ${l} cannot commit`,
    1_000,
  );
  if (opts.holdAcks) {
    await idle(cl, 60); // f acknowledges them (and the next heartbeat): held
    cl.sim.pause(f); // f keeps those 5 entries and its term from now on
  } else await idle(cl, 100); // f's acknowledgements reach l
  await commit(cl, c, put("y", "new"), { among: rest });
  const m = await cl.awaitLeader(rest);
  // Clocks (timers run at their rate): l's runs fast and the others' slow, so once m is down l
  // times out first and wins.
  cl.sim.setClock(l, { drift: 0.45 });
  for (const id of others(cl, l, f, m)) cl.sim.setClock(id, { drift: -0.45 });
  cl.partition([f]);
  await cl.sim.require(
    () => logsEqual(cl, [l, m]) === undefined,
    `${l}, back with the majority, replaces its 5 entries with ${m}'s log`,
    1_000,
  );
  await idle(cl, 300); // timers re-armed at the new rates by m's heartbeats
  cl.crash(m);
  await cl.sim.require(
    () => cl.stableLeader(others(cl, f, m)) === l,
    `${l} is elected again (its clock runs fastest and its log is up to date)`,
    1_500,
  );
  for (const id of others(cl, f, m)) cl.sim.setClock(id, { drift: 0 });
  return { cl, c, d, l, f, m };
}
