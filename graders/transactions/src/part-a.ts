/**
 * Part A: two-phase commit. Transactions that every participant can do, and transactions one
 * participant must refuse, under delays and duplicates; a coordinator that goes quiet after the
 * votes; the coordinator and the participants crashed at every step of the protocol in turn; and
 * presumed abort.
 */
import type { Scenario } from "@faultline/grading";
import { COORDINATOR, PARTICIPANTS, type Decision } from "@faultline/lab-transactions";
import { fmt, type NodeId } from "@faultline/sim";
import type { Ctx, L, Sim } from "./props.ts";
import { crashAt, deposits, refused, runUntilSettled, setUp, type TxnClient, type CrashPoint } from "./cluster.ts";
import { messageOf, type TxnWatch } from "./watch.ts";

/** After the faults: every transaction decided everywhere, and the balances add up. */
export async function completes(ctx: Ctx, sim: Sim, watch: TxnWatch, withinMs: number): Promise<void> {
  sim.healAll();
  const ok = await sim.runUntil(() => watch.undecided().length === 0, { maxMs: withinMs });
  ctx.check(
    ok,
    "every transaction completes after the faults stop",
    () =>
      `${withinMs} ms after the last fault, still in doubt: ${watch.undecided().join(", ")}: an in-doubt participant must keep asking (the coordinator, the other participants) until it learns the decision, and a restarted coordinator must finish what its log holds`,
  );
  const bad = watch.checkBalances();
  ctx.check(bad === undefined, "committed writes are applied everywhere", () => bad ?? "");
}

/** How long yes voters stayed in doubt, holding their locks: longest and mean, true time. */
export function lockedMetrics(ctx: Ctx, watch: TxnWatch): void {
  const l = watch.lockedMs();
  ctx.metric("in doubt (locked), longest", l.longest, "ms");
  ctx.metric("in doubt (locked), mean", l.mean, "ms");
}

/** Runs `txn` and requires an outcome. */
async function runTxn(
  ctx: Ctx,
  client: TxnClient,
  txn: string,
  writes: Parameters<TxnClient["run"]>[1],
  withinMs: number,
): Promise<Decision | undefined> {
  const d = await client.run(txn, writes, withinMs);
  ctx.check(
    d !== undefined,
    "the client hears the outcome",
    () =>
      `the client asked the coordinator to run ${txn} (and asked again every 200 ms) and heard no outcome within ${withinMs} ms: decide commit or abort, then answer outcome (also to a repeated begin of a decided transaction)`,
  );
  return d;
}

const COORD_POINTS: Array<Omit<CrashPoint, "node">> = [
  { label: "after its first prepare", kind: "send", match: (m) => m.type === "prepare" },
  { label: "after all its prepares, before any vote", kind: "deliver", match: (m) => m.type === "vote" },
  { label: "after the first decision, before the others", kind: "send", match: (m) => m.type === "decision" },
  { label: "after telling the client", kind: "send", match: (m) => m.type === "outcome" },
  { label: "after the first ack", kind: "deliver", match: (m) => m.type === "ack" },
];

export const partA: Array<Scenario<L>> = [
  {
    part: "A",
    name: "commits and aborts atomically",
    points: 10,
    seeds: 4,
    hints: [
      "Commit only when every participant has voted yes: keep the set of participants that voted yes, not a count of vote messages (votes are duplicated). One no, or a timeout, is an abort.",
      "A participant votes no when the balance would go below zero (or the account is locked by a transaction it voted yes on); it then records the transaction aborted. A decision it receives is applied once: a duplicate decision only gets its ack again.",
      "Answer the client's begin with outcome once the decision is logged, and answer a repeated begin of a decided transaction with the same outcome.",
    ],
    async run(ctx) {
      const { sim, watch, client } = setUp(ctx, 0.2, [1, 20]);
      let commits = 0;
      let aborts = 0;
      const run = sim.spawn("transactions", async () => {
        for (let i = 0; i < 10; i++) {
          const txn = client.next();
          const refuse = ctx.rng.chance(0.35) ? PARTICIPANTS[ctx.rng.int(PARTICIPANTS.length)] : undefined;
          const writes = refuse ? refused(ctx, `a${i % 3}`, refuse) : deposits(ctx, `a${i % 3}`);
          const d = await runTxn(ctx, client, txn, writes, 2000);
          if (d === "commit") commits++;
          else aborts++;
          if (refuse) {
            const got = watch.preparedAt.get(`${refuse}:${txn}`);
            const no = watch.noAt.get(`${refuse}:${txn}`);
            ctx.check(
              got === undefined || no === got,
              "a participant that cannot do its write votes no",
              () =>
                `${refuse} could not do its write in ${txn} (its balance would go below zero); its prepare arrived at t=${fmt(got ?? 0)} ms, ${no === undefined ? "and it never sent a vote no" : `and its vote no left only at t=${fmt(no)} ms`}: answer the prepare with a vote no at once, rather than leave the coordinator to its timeout or its resend`,
            );
          }
          if (d !== undefined) {
            const again = await client.run(txn, writes, 500);
            ctx.check(
              again === d,
              "the client hears the outcome",
              () =>
                `the client began ${txn} again after its outcome ${d}; the coordinator answered ${again ?? "nothing"} within 500 ms: a repeated begin of a decided transaction gets the same outcome again`,
            );
          }
          ctx.check(
            refuse === undefined || d === "abort",
            "all participants commit or all abort",
            () =>
              `${txn} asked ${refuse} to withdraw more than any balance, so ${refuse} must vote no, and the transaction must abort; the coordinator answered ${d}`,
          );
          ctx.check(
            refuse !== undefined || d === "commit",
            "a transaction every participant can do commits",
            () =>
              `${txn} only deposits, nothing else ran at the time, and no fault but delays and duplicates: every participant can vote yes, so it must commit; the outcome was ${d}`,
          );
          await client.sleep(ctx.rng.int(50));
        }
      });
      await runUntilSettled(ctx, sim, run, 60_000, "the transactions");
      await completes(ctx, sim, watch, 2000);
      // Every commit acknowledged, every abort sent: the coordinator has nothing left to resend.
      await sim.runFor(500);
      const before = watch.decisionsSent;
      await sim.runFor(1000);
      ctx.check(
        watch.decisionsSent === before,
        "the coordinator stops resending once acknowledged",
        () =>
          `every transaction was decided and applied everywhere, yet the coordinator sent ${watch.decisionsSent - before} more decision message(s) in the next second: record the acks of a commit and stop resending it once every participant acked; an abort is sent once (presumed abort)`,
      );
      ctx.metric("committed", commits);
      ctx.metric("aborted", aborts);
      lockedMetrics(ctx, watch);
    },
  },
  {
    part: "A",
    name: "one account, concurrent transactions, lost votes",
    points: 5,
    seeds: 3,
    hints: [
      "A balance may end exactly at zero: refuse a withdrawal only when the balance would go BELOW zero.",
      "While a participant has voted yes on a transaction that writes an account (prepared, not yet decided), it votes no on any other transaction that writes the same account: otherwise two withdrawals checked against the same balance can both commit.",
      "Answer a repeated prepare with the vote you gave (a lost vote is recovered by the coordinator's resend), and a prepare of a transaction you already aborted (because a participant asked you) with no.",
      "The coordinator times out a vote that never comes (a participant is down): abort. While it is still collecting votes, it answers no query.",
    ],
    async run(ctx) {
      const { sim, watch, client } = setUp(ctx, 0.1, [1, 10]);
      const view = (p: NodeId) =>
        sim.node<{ state(t: string): string | undefined; balances(): Record<string, number> }>(p);
      const all = (delta: number) => Object.fromEntries(PARTICIPANTS.map((p) => [p, { account: "x", delta }]));
      const expect = (txn: string, d: Decision | undefined, want: Decision, why: string) =>
        ctx.check(
          d === want,
          want === "commit" ? "a transaction every participant can do commits" : "all participants commit or all abort",
          () => `${txn}: ${why}; the outcome was ${d ?? "none"}`,
        );
      // The next transaction on x starts once every participant has applied the last one.
      const applied = async (txn: string) => {
        const until = sim.now + 1000;
        while (PARTICIPANTS.some((p) => view(p)?.state(txn) === "prepared") && sim.now < until) await client.sleep(5);
      };
      const run = sim.spawn("one account", async () => {
        // A begin sent once: the coordinator answers it when it decides.
        const t1 = client.next();
        expect(t1, await client.run(t1, all(5), 1000, 1000), "commit", "deposits of 5 into x, begun once");
        await applied(t1);
        const t2 = client.next();
        expect(t2, await client.run(t2, all(-5), 1000), "commit", "withdraws the whole balance of x, 5: it ends at 0");
        await applied(t2);
        const t3 = client.next();
        expect(t3, await client.run(t3, all(5), 1000), "commit", "deposits 5 into x again");
        await applied(t3);
        // Two withdrawals of the whole balance while the first is prepared: p3's votes are slow.
        sim.clog("p3", COORDINATOR);
        const t4 = client.next();
        const t5 = client.next();
        ctx.log(`${t4} and ${t5} both withdraw 5 from x; p3's votes are held 150 ms`);
        const start = sim.now;
        const r4 = client.run(t4, all(-5), 1000);
        while (!PARTICIPANTS.every((p) => view(p)?.state(t4) === "prepared") && sim.now < start + 100)
          await client.sleep(1);
        const r5 = client.run(t5, all(-5), 1000);
        const t5y = client.next();
        const r5y = client.run(t5y, Object.fromEntries(PARTICIPANTS.map((p) => [p, { account: "y", delta: 1 }])), 1000);
        await client.sleep(Math.max(0, start + 150 - sim.now));
        sim.unclog("p3", COORDINATOR);
        const [d4, d5, d5y] = await Promise.all([r4, r5, r5y]);
        expect(t5y, d5y, "commit", `deposits into y while ${t4} holds x prepared: only the account written is locked`);
        expect(t4, d4, "commit", "withdraws the 5 in x; its votes were slow, but within the vote timeout");
        expect(t5, d5, "abort", `withdraws 5 from x while ${t4} holds it prepared everywhere`);
        for (const p of PARTICIPANTS) {
          const b = view(p)?.balances().x ?? 0;
          ctx.check(
            b >= 0,
            "no balance goes below zero",
            () =>
              `${p}'s balance of x is ${b} after ${t4} and ${t5} each withdrew its whole balance of 5: vote no on a write to an account locked by a transaction you voted yes on`,
          );
        }
        await applied(t4);
        // A lost yes vote: the coordinator resends the prepare, the participant votes again.
        const t6 = client.next();
        let cut = false;
        sim.onEvent((e) => {
          if (cut || e.kind !== "send" || e.node !== "p2") return;
          const m = messageOf(e);
          if (m?.type !== "vote" || m.txn !== t6) return;
          cut = true;
          // 15 ms: also the vote p2 gives again to a duplicate of the first prepare is lost.
          sim.blockOneWay("p2", COORDINATOR);
          sim.after(15, "restore p2's link", () => sim.unblockOneWay("p2", COORDINATOR));
        });
        ctx.log(`${t6}: p2's first vote is lost`);
        expect(t6, await client.run(t6, all(1), 1000), "commit", "deposits; only p2's first vote was lost");
        // p3 is down: no vote comes, the coordinator times out.
        const t7 = client.next();
        sim.crash("p3");
        ctx.log(`${t7}: p3 is down for 800 ms`);
        expect(
          t7,
          await client.run(t7, all(1), 700),
          "abort",
          "p3 was down and never voted: the coordinator must time out",
        );
        await client.sleep(100);
        sim.restart("p3");
        // p3's prepare is late: p1 and p2, in doubt, ask it first, so it aborts; then it must vote no.
        const t8 = client.next();
        sim.clog(COORDINATOR, "p3");
        ctx.log(`${t8}: the coordinator's messages to p3 are held 250 ms`);
        const r8 = client.run(t8, all(1), 1000);
        await client.sleep(250);
        sim.unclog(COORDINATOR, "p3");
        const d8 = await r8;
        expect(
          t8,
          d8,
          "abort",
          "p3 aborted it when p1 asked (it had not voted yet), so it must vote no on the late prepare",
        );
        // p3's yes comes after the vote timeout: the abort stands.
        await applied(t8);
        const t9 = client.next();
        sim.clog("p3", COORDINATOR);
        ctx.log(`${t9}: p3's votes are held 450 ms, past the vote timeout`);
        const r9 = client.run(t9, all(1), 1000);
        await client.sleep(450);
        sim.unclog("p3", COORDINATOR);
        expect(t9, await r9, "abort", "p3's vote came after the vote timeout");
        await client.sleep(100);
      });
      await runUntilSettled(ctx, sim, run, 20_000, "the transactions on x");
      await completes(ctx, sim, watch, 2000);
    },
  },
  {
    part: "A",
    name: "a yes vote is kept until the decision",
    points: 5,
    seeds: 3,
    hints: [
      "After voting yes a participant is in doubt: the coordinator may already have decided commit. Aborting on a timeout (or committing) on your own breaks atomicity.",
      "Keep the transaction prepared, with its lock, until a decision arrives: from the coordinator, or from a participant that knows it. Waiting is the price of 2PC.",
    ],
    async run(ctx) {
      const { sim, watch, client } = setUp(ctx, 0.1, [1, 10]);
      // The coordinator goes quiet towards the participants right after the last vote reaches it.
      const quietMs = 1200 + ctx.rng.int(600);
      const voters = new Set<string>();
      sim.onEvent((e) => {
        if (e.kind !== "deliver" || e.node !== COORDINATOR) return;
        const m = messageOf(e);
        if (m?.type !== "vote" || m.txn !== "t1") return;
        // Distinct voters: a duplicated vote must not start the silence before p3 has voted.
        if (e.peer === undefined || voters.has(e.peer)) return;
        voters.add(e.peer);
        if (voters.size !== PARTICIPANTS.length) return;
        for (const p of PARTICIPANTS) sim.clog(COORDINATOR, p);
        ctx.log(`the coordinator's messages to the participants are held for ${quietMs} ms`);
        sim.after(quietMs, "release the coordinator's messages", () => {
          for (const p of PARTICIPANTS) sim.unclog(COORDINATOR, p);
        });
      });
      const run = sim.spawn("a slow decision", async () => {
        const d = await runTxn(ctx, client, client.next(), deposits(ctx, "a"), 1000);
        await client.sleep(quietMs + 200);
        ctx.check(
          d === "commit",
          "a transaction every participant can do commits",
          () => `t1 only deposits; it must commit, but the outcome was ${d}`,
        );
      });
      await runUntilSettled(ctx, sim, run, 10_000, "the transaction");
      await completes(ctx, sim, watch, 2000);
      lockedMetrics(ctx, watch);
    },
  },
  {
    part: "A",
    name: "no decision is lost in a coordinator crash",
    points: 10,
    seeds: 3,
    hints: [
      "The commit point is the commit record on the coordinator's disk: write and sync() it BEFORE any participant or the client hears commit. After a crash only what was synced is left.",
      "On restart, read the log back: a transaction with a commit record is committed (send commit again until every participant acks); one still collecting votes was never decided, so abort it.",
      "A restarted coordinator that forgot a commit answers a participant's query with abort while another participant has already committed.",
    ],
    async run(ctx) {
      const { sim, watch, client } = setUp(ctx, 0.1, [1, 10]);
      const run = sim.spawn("a crash at every step", async () => {
        for (const [i, point] of COORD_POINTS.entries()) {
          for (const refuse of [undefined, PARTICIPANTS[ctx.rng.int(PARTICIPANTS.length)]]) {
            if (refuse && i >= 2) continue;
            const txn = client.next();
            const down = 200 + ctx.rng.int(400);
            const crash = crashAt(sim, { ...point, node: COORDINATOR }, down);
            ctx.log(`${txn}: the coordinator crashes ${point.label}, down ${down} ms`);
            await client.run(txn, refuse ? refused(ctx, `a${i}`, refuse) : deposits(ctx, `a${i}`), 2500);
            await client.sleep(800);
            ctx.check(
              crash.fired(),
              "the grader's crash points are reached",
              () => `${txn}: the coordinator never reached the point "${point.label}"`,
            );
            // Asked again after its restart (as a late participant would), the coordinator must
            // give the decision it made before the crash: the watch compares every answer.
            await client.query(txn, 300);
          }
        }
      });
      await runUntilSettled(ctx, sim, run, 60_000, "the transactions");
      await completes(ctx, sim, watch, 2000);
    },
  },
  {
    part: "A",
    name: "no decision is lost in a participant crash",
    points: 5,
    seeds: 3,
    hints: [
      "A yes vote promises that the write can be done whatever happens: write the prepare record (with the write) and sync() it BEFORE sending the vote.",
      "On restart, read the records back: a prepared transaction is still in doubt, and its write must be applied if the decision is commit. Sync the applied decision before acking it.",
    ],
    async run(ctx) {
      const { sim, watch, client } = setUp(ctx, 0.1, [1, 10]);
      const points: Array<Omit<CrashPoint, "node">> = [
        { label: "right after its yes vote", kind: "send", match: (m) => m.type === "vote" && m.vote === "yes" },
        { label: "right after receiving the decision", kind: "deliver", match: (m) => m.type === "decision" },
        { label: "right after its ack", kind: "send", match: (m) => m.type === "ack" },
      ];
      const run = sim.spawn("a participant crash at every step", async () => {
        for (const [i, point] of points.entries()) {
          for (const p of PARTICIPANTS) {
            const txn = client.next();
            const down = 100 + ctx.rng.int(300);
            const crash = crashAt(sim, { ...point, node: p }, down);
            ctx.log(`${txn}: ${p} crashes ${point.label}, down ${down} ms`);
            await client.run(txn, deposits(ctx, `a${i}`), 2500);
            await client.sleep(600);
            ctx.check(
              crash.fired(),
              "the grader's crash points are reached",
              () => `${txn}: ${p} never reached the point "${point.label}"`,
            );
          }
        }
      });
      await runUntilSettled(ctx, sim, run, 60_000, "the transactions");
      await completes(ctx, sim, watch, 2000);
    },
  },
  {
    part: "A",
    name: "presumed abort",
    points: 5,
    seeds: 3,
    hints: [
      "Presumed abort (Mohan, Lindsay & Obermarck 1986): no record of a transaction means it aborted. Answer a query about a transaction you do not know with decision abort, never commit.",
      "After a restart, a transaction your log shows still collecting votes was never decided: decide abort and send it to its participants at once (they may be unable to reach you with a query).",
    ],
    async run(ctx) {
      const { sim, watch, client } = setUp(ctx, 0.1, [1, 10]);
      const run = sim.spawn("unknown and undecided transactions", async () => {
        for (const ghost of ["ghost1", "ghost2"]) {
          const d = await client.query(ghost, 500);
          ctx.check(
            d === "abort",
            "no record means abort",
            () =>
              `the client asked the coordinator (as a participant would) about ${ghost}, a transaction it never began; it answered ${d ?? "nothing"}: with presumed abort, no record means abort`,
          );
        }
        // Crash after the prepares, with the participants' queries lost: the coordinator must
        // settle the transaction on its own when it comes back.
        const txn = client.next();
        const down = 300 + ctx.rng.int(300);
        let restarted = 0;
        crashAt(
          sim,
          { label: "after its prepares", node: COORDINATOR, kind: "deliver", match: (m) => m.type === "vote" },
          down,
          () => {
            for (const p of PARTICIPANTS) sim.blockOneWay(p, COORDINATOR);
            restarted = sim.now + down;
          },
        );
        await client.run(txn, deposits(ctx, "a"), 300);
        await sim.client("c1").sleep(down + 50);
        ctx.log(
          `${txn}: the coordinator crashed after its prepares and came back at t=${fmt(restarted)} ms; the participants' queries are lost`,
        );
        const settled = () =>
          PARTICIPANTS.every((p) => sim.node<{ state(t: string): string | undefined }>(p)?.state(txn) !== "prepared");
        const until = sim.now + 1500;
        while (!settled() && sim.now < until) await client.sleep(20);
        ctx.check(
          settled(),
          "a restarted coordinator aborts what it left undecided",
          () =>
            `${txn} was undecided when the coordinator crashed; 1500 ms after its restart ${PARTICIPANTS.filter((p: NodeId) => sim.node<{ state(t: string): string | undefined }>(p)?.state(txn) === "prepared").join(", ")} still wait(s) for the decision: a restarted coordinator aborts the transactions its log shows undecided, and tells their participants`,
        );
        for (const p of PARTICIPANTS) sim.unblockOneWay(p, COORDINATOR);
        const ghost = await client.query(txn, 500);
        ctx.check(
          ghost === "abort",
          "no record means abort",
          () =>
            `after the restart the coordinator answered a query about ${txn} with ${ghost ?? "nothing"}; it was never decided before the crash, so it is aborted`,
        );
      });
      await runUntilSettled(ctx, sim, run, 20_000, "the presumed-abort checks");
      await completes(ctx, sim, watch, 2000);
    },
  },
];
