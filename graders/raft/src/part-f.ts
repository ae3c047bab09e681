/**
 * Part F (bonus, not in the 100): the stretch features of the Raft lab. PreVote and
 * CheckQuorum (Ongaro's dissertation, sections 9.6 and 6.2) keep a healthy leader in place and
 * remove one that cannot lead; snapshots (section 7, Figure 13) keep the log bounded. Each test
 * turns on only the option it grades, through the node's constructor, so parts A to D never
 * see them. Every safety invariant of cluster.ts still runs after every step, with compacted
 * logs counted from their snapshot.
 */
import { randomNemesis, type NodeId } from "@faultline/sim";
import type { Scenario, ScenarioContext } from "@faultline/grading";
import type * as Raft from "@faultline/lab-raft";
import type { Cluster, RaftLab } from "./cluster.ts";
import {
  clients,
  cluster,
  clusterWithClient,
  commit,
  drive,
  History,
  idle,
  others,
  pickNodes,
  RaftClient,
  runClientsUntil,
  settle,
} from "./helpers.ts";
import { checkHistory } from "./linearizable.ts";

const incr: Raft.Operation = { op: "incr" };
const STICKY: Raft.RaftOptions = { preVote: true, checkQuorum: true };
/** A leader checks its quorum every election timeout, so it steps down within two of them. */
const STEP_DOWN_WITHIN_MS = 2 * 300 + 100;
/** How long the network keeps the late copy of an InstallSnapshot (commits meanwhile: about 40 x 10 ms). */
const LATE_COPY_MS = 3_000;
/** Most entries a log may hold beyond the snapshot threshold: one AppendEntries batch. */
const LOG_SLACK = 64;

/** A random operation for client `i`: keys, appends and counter traffic. */
function randomOp(ctx: ScenarioContext<RaftLab>, i: number, k: number): Raft.Operation {
  const r = ctx.rng.int(10);
  const key = ctx.rng.pick(["x", "y", "z"]);
  if (r < 2) return { op: "get", key };
  if (r < 4) return { op: "append", key, value: `${i}.${k} ` };
  if (r < 5) return { op: "put", key, value: `${i}.${k}` };
  if (r < 8) return incr;
  return { op: "read" };
}

/** Every running node of `among` applied everything and holds the same counter and keys. */
function sameService(cl: Cluster, among: readonly NodeId[] = cl.ids): string | undefined {
  const ref = cl.node(among[0] as NodeId);
  if (!ref) return undefined;
  for (const id of among.slice(1)) {
    const n = cl.node(id);
    if (!n) continue;
    if (n.lastApplied !== ref.lastApplied)
      return `${id} applied up to ${n.lastApplied}, ${among[0]} up to ${ref.lastApplied}`;
    if (n.stateMachine.counter !== ref.stateMachine.counter)
      return `${id}'s counter is ${n.stateMachine.counter}, ${among[0]}'s is ${ref.stateMachine.counter}`;
    for (const key of ["x", "y", "z", "k"]) {
      if (n.stateMachine.get(key) !== ref.stateMachine.get(key))
        return `${id} has ${key} = ${JSON.stringify(n.stateMachine.get(key))}, ${among[0]} has ${JSON.stringify(ref.stateMachine.get(key))}`;
    }
  }
  return undefined;
}

/** Cut off leaders one at a time (a majority always remains) until `target` wins an election. */
async function makeLeader(cl: Cluster, target: NodeId): Promise<boolean> {
  for (let round = 0; round < 12; round++) {
    const l = await cl.awaitLeader(cl.ids, 1_500, `a leader while moving leadership to ${target}`);
    if (l === target) return true;
    cl.disconnect(l);
    await cl.awaitLeader(others(cl, l), 1_500, `a new leader after cutting off ${l}`);
    cl.connect(l);
  }
  return cl.stableLeader() === target;
}

/**
 * `c` sends its last request again (same seq): it was applied long ago, and a node that lost
 * the client sessions would run it a second time. The answer must repeat the first result.
 */
async function retryIsDeduplicated(
  ctx: ScenarioContext<RaftLab>,
  cl: Cluster,
  c: RaftClient,
  first: Raft.OpResult,
  where: string,
): Promise<void> {
  const again = await drive(
    cl,
    `${c.clientId}'s request #${c.lastSeq} (incr), sent again, is answered`,
    () => c.repeatLast(incr, { deadlineMs: 3_000 }),
    3_500,
  );
  ctx.check(
    again.ok,
    "liveness",
    `${c.clientId} sent its request #${c.lastSeq} again ${where} and got no answer within 3 s`,
  );
  ctx.check(
    again.ok && again.result === first,
    "exactly once",
    () =>
      `${c.clientId}'s incr #${c.lastSeq} first returned ${String(first)}; sent again ${where} it returned ${again.ok ? String(again.result) : "nothing"}: the client sessions (section 8) are part of the state, so they belong in the snapshot`,
  );
}

export const partF: Array<Scenario<RaftLab>> = [
  {
    part: "F",
    bonus: true,
    name: "a minority rejoining from a partition does not disrupt a stable leader",
    points: 1,
    hints: [
      "With options.preVote, an election timeout first sends PreVote { nextTerm: currentTerm + 1 } and changes nothing; only a majority of granted pre-votes, your own included, starts a real election (dissertation 9.6).",
      "Two nodes cut off together can grant each other's pre-votes, but two of five are not a majority: neither may increment currentTerm. A node receiving a PreVote must not adopt its nextTerm.",
      "Grant a pre-vote only if the sender's log is at least as up-to-date as yours and you have not heard from a leader within ELECTION_TIMEOUT_MIN_MS; a leader never grants one.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 5, raft: STICKY });
      await commit(cl, c, incr);
      const leader = await cl.awaitLeader();
      const term = cl.term(leader);
      const cut = pickNodes(cl, 2, others(cl, leader)) as [NodeId, NodeId];
      const rest = others(cl, ...cut);
      cl.partition(cut, rest);
      await commit(cl, c, incr, { among: rest });
      await idle(cl, 2_000); // several election timeouts for the two cut off
      for (const id of cut)
        ctx.check(
          cl.term(id) === term,
          "prevote",
          `${id}, cut off with ${cut.find((x) => x !== id)} for 2 s, moved from term ${term} to term ${cl.term(id)}: with PreVote nodes that cannot win an election never increment their term (two pre-votes of five are not a majority)`,
        );
      cl.healNetwork();
      await idle(cl, 1_000);
      ctx.check(
        cl.stableLeader() === leader && cl.ids.every((id) => cl.term(id) === term),
        "no disruption",
        () =>
          `after ${cut.join(" and ")} rejoined, ${leader} should still lead term ${term}; now: ${cl.describeNodes()}`,
      );
      await commit(cl, c, incr); // the rejoined nodes catch up with the leader they kept
    },
  },
  {
    part: "F",
    bonus: true,
    name: "a node that cannot hear the leader does not disrupt it",
    points: 1,
    hints: [
      "A node whose link from the leader fails (but not its links to the others) times out again and again. With PreVote its pre-votes must be refused: the other node still hears the leader, and a leader never grants one (dissertation 9.6: no pre-vote while a leader was heard from within ELECTION_TIMEOUT_MIN_MS).",
      "Count your own pre-vote: once the leader crashes, the two left must still elect a leader (2 of 3 is a majority, the candidate included).",
    ],
    async run(ctx) {
      // Three nodes: once the leader is down, the two left are a majority only if a candidate
      // counts its own pre-vote.
      const { cl, c } = clusterWithClient(ctx, { nodes: 3, raft: STICKY });
      await commit(cl, c, incr);
      const leader = await cl.awaitLeader();
      const term = cl.term(leader);
      const deaf = pickNodes(cl, 1, others(cl, leader))[0] as NodeId;
      cl.sim.blockOneWay(leader, deaf); // deaf hears nothing from the leader; everything else flows
      await idle(cl, 2_000); // several election timeouts for deaf
      ctx.check(
        cl.stableLeader() === leader && cl.ids.every((id) => cl.term(id) === term),
        "no disruption",
        () =>
          `${deaf}, which cannot hear ${leader} but reaches every node, changed the cluster within 2 s: ${leader} should still lead term ${term}; now: ${cl.describeNodes()}. The other node hears ${leader}: it must refuse ${deaf}'s pre-votes, and a leader never grants one`,
      );
      // The leader crashes: the two left, deaf among them, are a majority.
      cl.crash(leader);
      const left = others(cl, leader);
      await cl.awaitLeader(left, 3_000, `a new leader among ${left.join(", ")} (2 of 3, with PreVote)`);
      await commit(cl, c, incr, { among: left });
    },
  },
  {
    part: "F",
    bonus: true,
    name: "a pre-vote granted after its round ended changes nothing",
    points: 1,
    hints: [
      "A PreVoteReply can arrive after its round is over: the node heard from the leader again (a round ends there, in the same term) or started the real election. Count a reply only while a round runs and only if its nextTerm is that round's (currentTerm + 1).",
      "Outside a round there is nothing to count into: check for it before you touch the set of pre-votes.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 5, raft: STICKY });
      await commit(cl, c, incr);
      const leader = await cl.awaitLeader();
      const term = cl.term(leader);
      // a and b stop hearing the leader: each runs pre-vote rounds, and each grants the other's
      // (neither has heard from a leader lately); two of five are no majority. b's answers to a
      // are held on the way.
      const [a, b] = pickNodes(cl, 2, others(cl, leader)) as [NodeId, NodeId];
      cl.sim.blockOneWay(leader, a);
      cl.sim.blockOneWay(leader, b);
      cl.sim.clog(b, a);
      await idle(cl, 1_000);
      // They hear the leader again, which ends their rounds in the same term; then b's grants
      // of those rounds reach a.
      cl.sim.unblockOneWay(leader, a);
      cl.sim.unblockOneWay(leader, b);
      await idle(cl, 200);
      cl.sim.unclog(b, a);
      await idle(cl, 500);
      ctx.check(
        cl.stableLeader() === leader && cl.ids.every((id) => cl.term(id) === term),
        "no disruption",
        () =>
          `after ${b}'s pre-votes for ${a}, held since their rounds, reached ${a}: ${leader} should still lead term ${term}; now: ${cl.describeNodes()}`,
      );
      await commit(cl, c, incr);
    },
  },
  {
    part: "F",
    bonus: true,
    name: "a leader cut off from the majority steps down",
    points: 1,
    hints: [
      'With options.checkQuorum, a leader keeps an "election" timer too: every ELECTION_TIMEOUT_MAX_MS it checks whether a majority (itself included) answered since the last check (dissertation 6.2).',
      "Count the peers whose AppendEntriesReply or InstallSnapshotReply of the current term arrived; if they and you are not a majority, become a follower of the same term; otherwise forget them and re-arm the timer.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 5, raft: STICKY });
      await commit(cl, c, incr);
      const old = await cl.awaitLeader();
      cl.disconnect(old);
      await cl.sim.require(
        () => cl.node(old)?.role !== "leader",
        `${old}, cut off from the other 4 nodes, stops being leader (CheckQuorum)`,
        STEP_DOWN_WITHIN_MS,
      );
      const rest = others(cl, old);
      await cl.awaitLeader(rest, 1_500, `a new leader among ${rest.join(", ")}`);
      await commit(cl, c, incr, { among: rest });
      cl.connect(old);
      await commit(cl, c, incr);
    },
  },
  {
    part: "F",
    bonus: true,
    name: "a leader that cannot hear its followers steps down (one-way cut)",
    points: 1,
    hints: [
      "The followers still hear the leader's heartbeats, so none of them ever times out; but the leader hears no reply and can commit nothing. Only the leader can notice: CheckQuorum.",
      "Once it steps down and stops its heartbeats, the followers time out and elect a leader among themselves; clients that reach the old leader are redirected.",
      "With leader stickiness, a follower that heard from a leader within ELECTION_TIMEOUT_MIN_MS ignores RequestVote of a higher term; after the leader steps down that time passes and the election goes through.",
    ],
    async run(ctx) {
      const { cl, c } = clusterWithClient(ctx, { nodes: 5, raft: STICKY });
      await commit(cl, c, incr);
      const old = await cl.awaitLeader();
      const rest = others(cl, old);
      for (const id of rest) cl.sim.blockOneWay(id, old); // it talks, nobody is heard
      await commit(cl, c, incr, { among: rest, withinMs: 3_000 });
      ctx.check(
        cl.node(old)?.role !== "leader",
        "checkquorum",
        `${old} still believes it leads term ${cl.term(old)} although it has heard from nobody for seconds`,
      );
      for (const id of rest) cl.sim.unblockOneWay(id, old);
      await commit(cl, c, incr);
    },
  },
  {
    part: "F",
    bonus: true,
    name: "the log stays bounded over 2000 commands",
    points: 1,
    seeds: 3,
    hints: [
      "With options.snapshotThreshold, once the log holds more entries than that, snapshot the state machine at lastApplied (machine.snapshot()) and discard every entry up to lastApplied (section 7).",
      "After compaction the log starts after lastIncludedIndex: read it through lastLogIndex(), termAt() and entryAt(), which count from the snapshot; entries[index - 1] is wrong from now on.",
      "Never compact beyond lastApplied: the snapshot is the state machine, which holds only applied entries; uncommitted entries may still be replaced.",
    ],
    async run(ctx) {
      const threshold = 100;
      const cl = cluster(ctx, { nodes: 3, clients: 4, raft: { snapshotThreshold: threshold } });
      cl.sim.addInvariant("bounded log", () => {
        for (const id of cl.ids) {
          const n = cl.sim.isUp(id) ? cl.node(id) : undefined;
          if (n && n.log.length > threshold + LOG_SLACK)
            return `${id} holds ${n.log.length} log entries after its snapshot (threshold ${threshold}): compact the applied prefix once the log exceeds the threshold`;
        }
        return undefined;
      });
      const history = new History();
      const cs = clients(cl, history);
      await drive(
        cl,
        "4 clients each complete 500 commands",
        () =>
          Promise.all(
            cs.map(async (c, i) => {
              for (let k = 0; k < 500; k++) {
                const out = await c.run(randomOp(ctx, i, k), { deadlineMs: 5_000 });
                if (!out.ok)
                  return ctx.fail("liveness", `${c.clientId}'s command #${k + 1} was not answered within 5 s`);
              }
            }),
          ),
        120_000,
      );
      await idle(cl, 300);
      ctx.check(
        cl.ids.every((id) => (cl.node(id)?.snapshotIndex ?? 0) > 0),
        "compaction",
        `after 2000 commands some node never took a snapshot: ${cl.ids.map((id) => `${id} snapshot at ${cl.node(id)?.snapshotIndex ?? 0}`).join(", ")}`,
      );
      const diff = await settle(cl, () => sameService(cl)); // a follower may still be applying
      ctx.check(diff === undefined, "same state everywhere", `after 2000 commands: ${diff}`);
      const wrong = checkHistory(history);
      ctx.check(wrong === undefined, "linearizability", `the clients' history is not linearizable: ${wrong}`);
      cl.finalChecks();
    },
  },
  {
    part: "F",
    bonus: true,
    name: "a follower far behind catches up through InstallSnapshot",
    points: 2,
    hints: [
      "When a follower's nextIndex is at or before the leader's lastIncludedIndex, the entries it needs are gone: send InstallSnapshot with the whole snapshot instead (Figure 13).",
      "The follower discards its log unless it holds the snapshot's last entry (same index and term): a deposed leader may have a longer log whose entries conflict with the snapshot. Then it loads the snapshot's state into its state machine, and sets commitIndex and lastApplied to lastIncludedIndex; the reply lets the leader raise matchIndex and nextIndex.",
      "The client sessions travel in the snapshot: a node that installed one must still answer a retried request with its first result instead of running it again.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 3, clients: 4, raft: { snapshotThreshold: 50 } });
      const history = new History();
      const [c1, c2, once] = clients(cl, history) as [RaftClient, RaftClient, RaftClient];
      const first = await drive(
        cl,
        `${once.clientId}'s incr is answered`,
        () => once.run(incr, { deadlineMs: 3_000 }),
        3_500,
      );
      if (!first.ok) return ctx.fail("liveness", `${once.clientId}'s first incr was not answered within 3 s`);
      // The lagging node is the old leader, cut off with 300 uncommitted entries of its own:
      // its log ends up longer than the others' snapshot, and conflicts with it.
      const lagging = await cl.awaitLeader();
      cl.disconnect(lagging);
      const junk = new RaftClient(cl, cl.sim.clientIds[3] as NodeId, 3); // not in the history: never answered
      for (let k = 0; k < 300; k++) junk.sendOnce(lagging, { op: "put", key: "junk", value: `${k}` });
      const rest = others(cl, lagging);
      for (let k = 0; k < 200; k++)
        await commit(cl, k % 2 ? c1 : c2, k % 3 ? incr : { op: "append", key: "x", value: `${k} ` }, { among: rest });
      const snapshotsBefore = cl.sent("InstallSnapshot");
      cl.connect(lagging);
      const target = cl.maxCommit();
      await cl.sim.require(
        () => (cl.node(lagging)?.lastApplied ?? 0) >= target,
        `${lagging}, a deposed leader 200 committed entries behind, applies up to ${target} after it rejoins`,
        2_000,
      );
      ctx.check(
        cl.sent("InstallSnapshot") > snapshotsBefore,
        "install snapshot",
        `${lagging} caught up without any InstallSnapshot, although the leader's log no longer holds the entries it missed`,
      );
      await idle(cl, 200);
      const diff = await settle(cl, () => sameService(cl)); // a follower may still be applying
      ctx.check(diff === undefined, "same state everywhere", `after ${lagging} caught up: ${diff}`);
      ctx.check(await makeLeader(cl, lagging), "leadership", `${lagging} never won an election in 12 rounds`);
      await retryIsDeduplicated(ctx, cl, once, first.result, `to ${lagging}, which installed a snapshot and now leads`);
      await commit(cl, c1, { op: "read" });
      const wrong = checkHistory(history);
      ctx.check(wrong === undefined, "linearizability", `the clients' history is not linearizable: ${wrong}`);
      cl.finalChecks();
    },
  },
  {
    part: "F",
    bonus: true,
    name: "an InstallSnapshot of an earlier term is refused",
    points: 1,
    hints: [
      "Figure 13, InstallSnapshot receiver rule 1: reply immediately if term < currentTerm. An InstallSnapshot can arrive long after it was sent, from a leader deposed since.",
      "Only a message of the current term (or a higher one) makes a node a follower of its sender: an old leader's snapshot must neither depose the current leader nor reset anything.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 5, clients: 1, raft: { snapshotThreshold: 50 } });
      const [c] = clients(cl) as [RaftClient];
      await commit(cl, c, incr);
      const old = await cl.awaitLeader();
      const r = pickNodes(cl, 1, others(cl, old))[0] as NodeId;
      cl.disconnect(r);
      for (let k = 0; k < 120; k++) await commit(cl, c, incr, { among: others(cl, r) });
      // old compacted the entries r misses: r can only catch up through a snapshot. What old
      // sends r now is held on the way (r, paused, cannot depose it first), and old crashes.
      const oldTerm = cl.term(old);
      cl.sim.pause(r);
      cl.connect(r);
      cl.sim.clog(old, r); // after connect, which sets every link of the cluster afresh
      const before = cl.sent("InstallSnapshot", old);
      await cl.sim.require(
        () => cl.sent("InstallSnapshot", old) > before,
        `${old}, leader of term ${oldTerm}, sends ${r} an InstallSnapshot (held on the link)`,
        1_000,
      );
      cl.crash(old);
      cl.sim.resume(r);
      const rest = others(cl, old);
      await commit(cl, c, incr, { among: rest, withinMs: 5_000 });
      const target = cl.maxCommit();
      await cl.sim.require(
        () => (cl.node(r)?.lastApplied ?? 0) >= target,
        `${r} catches up through the new leader's snapshot (applies up to ${target})`,
        2_000,
      );
      // r must lead now, with the link from old still clogged (a partition would reset it):
      // its clock runs fast and the others' slow, and the leader crashes.
      let live = rest;
      const l2 = await cl.awaitLeader(live, 1_500);
      if (l2 !== r) {
        cl.sim.setClock(r, { drift: 0.45 });
        for (const id of others(cl, old, r)) cl.sim.setClock(id, { drift: -0.45 });
        await idle(cl, 300); // timers re-armed at the new rates by the leader's heartbeats
        cl.crash(l2);
        live = others(cl, old, l2);
        await cl.sim.require(
          () => cl.stableLeader(live) === r,
          `${r} is elected (its clock runs fastest and its log is up to date)`,
          1_500,
        );
        for (const id of live) cl.sim.setClock(id, { drift: 0 });
      }
      const term = cl.term(r);
      // old's InstallSnapshot of term oldTerm arrives now, at the leader of a later term.
      cl.sim.unclog(old, r);
      await idle(cl, 300);
      ctx.check(
        cl.stableLeader(live) === r && cl.term(r) === term,
        "install snapshot term",
        () =>
          `${r}, leader of term ${term}, received ${old}'s InstallSnapshot of term ${oldTerm}, sent before ${old} crashed; ${r} should still lead term ${term}, now: ${cl.describeNodes()}. Figure 13, rule 1: reply immediately if term < currentTerm`,
      );
      for (const id of cl.ids) if (!cl.sim.isUp(id)) cl.restart(id);
      await commit(cl, c, incr);
      const diff = await settle(cl, () => sameService(cl)); // a follower may still be applying
      ctx.check(diff === undefined, "same state everywhere", `after ${old} rejoined: ${diff}`);
      cl.finalChecks();
    },
  },
  {
    part: "F",
    bonus: true,
    name: "a late copy of the leader's InstallSnapshot changes nothing",
    points: 1,
    hints: [
      "A network may deliver a copy of a message long after the original. Here a copy of the leader's InstallSnapshot, of the current term, arrives after the follower installed the original, caught up past it and took snapshots of its own.",
      "A snapshot that ends at or before your commitIndex holds nothing you lack: reply and change nothing. Installing it would put the state machine back to an older state and drop committed entries, with commitIndex left beyond the log (Figure 13's rules 6 to 8 are for a snapshot that brings something new).",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 3, clients: 1, raft: { snapshotThreshold: 20 } });
      const [c] = clients(cl) as [RaftClient];
      await commit(cl, c, incr);
      const l = await cl.awaitLeader();
      const f = pickNodes(cl, 1, others(cl, l))[0] as NodeId;
      // f is down (so it stands in no election and the term stays) while l compacts what f misses.
      cl.crash(f);
      for (let k = 0; k < 60; k++) await commit(cl, c, incr, { among: others(cl, f) });
      // l sends f an InstallSnapshot at every heartbeat; the network keeps a copy of the next one
      // for LATE_COPY_MS, and f restarts as it is sent: f catches up through the original.
      const term = cl.term(l);
      const snapshotSent = cl.node(l)?.snapshotIndex ?? 0;
      cl.sim.setLinkFaults(l, f, { duplicate: 1, copies: 1, copyDelay: { kind: "constant", ms: LATE_COPY_MS } });
      const before = cl.sent("InstallSnapshot", l);
      await cl.sim.require(
        () => cl.sent("InstallSnapshot", l) > before,
        `${l} sends ${f} an InstallSnapshot (ending at index ${snapshotSent})`,
        1_000,
      );
      const copyDue = cl.sim.now + LATE_COPY_MS;
      cl.restart(f);
      cl.sim.setLinkFaults(l, f, undefined);
      for (let k = 0; k < 40; k++) await commit(cl, c, incr);
      await cl.sim.require(
        () => (cl.node(f)?.snapshotIndex ?? 0) > snapshotSent && (cl.node(f)?.lastApplied ?? 0) >= cl.maxCommit(),
        `${f} catches up and takes a snapshot past index ${snapshotSent}`,
        Math.max(1, copyDue - 200 - cl.sim.now),
      );
      const applied = cl.node(f)?.lastApplied ?? 0;
      const ownSnapshot = cl.node(f)?.snapshotIndex ?? 0;
      await idle(cl, copyDue + 50 - cl.sim.now); // the copy arrives
      const now = cl.node(f);
      ctx.check(
        (now?.lastApplied ?? 0) >= applied && (now?.snapshotIndex ?? 0) >= ownSnapshot,
        "a late snapshot changes nothing",
        () =>
          `${f} had applied up to ${applied}, with its own snapshot at ${ownSnapshot}, when a late copy of ${l}'s InstallSnapshot of term ${term} ending at ${snapshotSent} arrived; now it has applied up to ${now?.lastApplied ?? 0}, snapshot at ${now?.snapshotIndex ?? 0}: a snapshot that ends at or before commitIndex must change nothing`,
      );
      ctx.check(
        cl.stableLeader() === l && cl.term(l) === term,
        "a late snapshot changes nothing",
        () => `after the late copy reached ${f}, ${l} should still lead term ${term}; now: ${cl.describeNodes()}`,
      );
      await commit(cl, c, incr);
      const diff = await settle(cl, () => sameService(cl)); // a follower may still be applying
      ctx.check(diff === undefined, "same state everywhere", `after the late copy: ${diff}`);
      cl.finalChecks();
    },
  },
  {
    part: "F",
    bonus: true,
    name: "restart from a snapshot loses nothing",
    points: 2,
    hints: [
      "Save the snapshot on disk with the log, and sync it with the rest before any message leaves: a crash between the two must not lose entries.",
      "In start(env), load the snapshot first: the state machine takes its state and commitIndex = lastApplied = lastIncludedIndex; then read the log entries that follow it.",
      "Do not re-apply entries the snapshot already contains, and do not start from an empty state machine: the snapshot is the only copy of what was compacted.",
    ],
    async run(ctx) {
      const cl = cluster(ctx, { nodes: 5, clients: 3, raft: { snapshotThreshold: 20 } });
      const history = new History();
      const cs = clients(cl, history);
      const once = cs[2] as RaftClient;
      const first = await drive(
        cl,
        `${once.clientId}'s incr is answered`,
        () => once.run(incr, { deadlineMs: 3_000 }),
        3_500,
      );
      if (!first.ok) return ctx.fail("liveness", `${once.clientId}'s first incr was not answered within 3 s`);
      const until = cl.sim.now + 3_000;
      randomNemesis(cl.sim, {
        until,
        intervalMs: [150, 600],
        profile: {
          partitions: true,
          oneWay: false,
          crashes: true,
          pauses: false,
          clogs: false,
          loss: true,
          clocks: false,
        },
        maxDown: 2,
      });
      await runClientsUntil(
        cl,
        cs.slice(0, 2),
        until,
        5_000,
        (c, i, k) => c.run(randomOp(ctx, i, k), { deadlineMs: 1_000 }),
        { op: "read" },
      );
      await idle(cl, 300);
      for (const id of cl.ids) cl.crash(id);
      for (const id of cl.ids) cl.restart(id);
      ctx.check(
        cl.ids.every((id) => (cl.node(id)?.snapshotIndex ?? 0) > 0),
        "restore",
        `after the restart some node has no snapshot: ${cl.ids.map((id) => `${id} snapshot at ${cl.node(id)?.snapshotIndex ?? 0}`).join(", ")}`,
      );
      await retryIsDeduplicated(ctx, cl, once, first.result, "after every node restarted from its snapshot");
      await commit(cl, cs[0] as RaftClient, { op: "read" });
      await idle(cl, 300);
      const diff = await settle(cl, () => sameService(cl)); // a follower may still be applying
      ctx.check(diff === undefined, "same state everywhere", `after the restart: ${diff}`);
      const wrong = checkHistory(history);
      ctx.check(wrong === undefined, "linearizability", `the clients' history is not linearizable: ${wrong}`);
      cl.finalChecks();
    },
  },
];
