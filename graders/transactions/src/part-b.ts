/**
 * Part B: blocking, and recovery. The coordinator crashes after the prepares: the participants
 * that voted yes must wait (the grader checks that none guesses), and then learn the decision
 * from the restarted coordinator's log, or from a participant that knows it (the cooperative
 * termination protocol). The grader reports how long the participants stayed in doubt, holding
 * their locks.
 */
import type { Scenario } from "@faultline/grading";
import { COORDINATOR, PARTICIPANTS, type Msg } from "@faultline/lab-transactions";
import type { NodeId } from "@faultline/sim";
import type { Ctx, L, Sim } from "./props.ts";
import { crashAt, deposits, runUntilSettled, setUp, type TxnClient } from "./cluster.ts";
import { completes, lockedMetrics } from "./part-a.ts";
import { messageOf, type TxnWatch } from "./watch.ts";

type View = { state(t: string): string | undefined };

/** Participants of `txn` still prepared (in doubt). */
function inDoubt(sim: Sim, txn: string): NodeId[] {
  return PARTICIPANTS.filter((p) => sim.node<View>(p)?.state(txn) === "prepared");
}

/** Waits (as the client) until nobody is in doubt about `txn`, or `withinMs`; whether it settled. */
async function settles(sim: Sim, client: TxnClient, txn: string, withinMs: number): Promise<boolean> {
  const until = sim.now + withinMs;
  while (inDoubt(sim, txn).length > 0 && sim.now < until) await client.sleep(10);
  return inDoubt(sim, txn).length === 0;
}

/** The participants of `txn` that could do it voted yes (else there is no doubt to test). */
function votedYes(ctx: Ctx, watch: TxnWatch, txn: string, who: readonly NodeId[]): void {
  const no = who.filter((p) => !watch.yesAt.has(`${p}:${txn}`));
  ctx.check(
    no.length === 0,
    "a transaction every participant can do commits",
    () =>
      `${txn} only deposits, yet ${no.join(", ")} did not vote yes on it: vote yes on a write you can do (nothing else locked the account)`,
  );
}

export const partB: Array<Scenario<L>> = [
  {
    part: "B",
    name: "in doubt, participants block until the coordinator is back",
    points: 10,
    seeds: 3,
    hints: [
      "When the coordinator crashes after the prepares, every participant has voted yes and none knows the decision: the others are in doubt too. Nobody may guess; keep asking every QUERY_MS.",
      "The restarted coordinator reads its log: collecting means abort (nobody heard commit), commit means commit (send it again). A participant's query gets the logged decision, or abort if there is none.",
    ],
    async run(ctx) {
      const { sim, watch, client } = setUp(ctx, 0.1, [1, 10]);
      const points = [
        {
          label: "after its prepares (undecided)",
          kind: "deliver" as const,
          match: (m: { type: string }) => m.type === "vote",
        },
        {
          label: "as it sends the commit (nobody hears it)",
          kind: "send" as const,
          cutFirst: true,
          match: (m: { type: string }) => m.type === "decision",
        },
      ];
      const run = sim.spawn("the coordinator crashes, the participants wait", async () => {
        for (const point of points) {
          const txn = client.next();
          const down = 800 + ctx.rng.int(400);
          let back = Infinity;
          const undecided = point === points[0];
          crashAt(sim, { ...point, node: COORDINATOR }, down, () => {
            back = sim.now + down;
            if (!undecided) return;
            // What the restarted coordinator sends at once is lost: the participants must ask.
            sim.after(down - 1, "lose the restarted coordinator's first messages", () => {
              for (const p of PARTICIPANTS) sim.blockOneWay(COORDINATOR, p);
            });
            sim.after(down + 50, "restore the coordinator's links", () => {
              for (const p of PARTICIPANTS) sim.unblockOneWay(COORDINATOR, p);
            });
          });
          ctx.log(`${txn}: the coordinator crashes ${point.label}, down ${down} ms`);
          await client.run(txn, deposits(ctx, "a"), 400);
          while (sim.now < back) await client.sleep(10);
          votedYes(ctx, watch, txn, PARTICIPANTS);
          const ok = await settles(sim, client, txn, 1000);
          ctx.check(
            ok,
            "in-doubt participants learn the decision",
            () =>
              `${txn}: 1000 ms after the coordinator came back, ${inDoubt(sim, txn).join(", ")} still in doubt: query the coordinator every QUERY_MS; a restarted coordinator answers from its log (and settles the undecided ones itself)`,
          );
          if (undecided) {
            const d = watch.decided.get(txn)?.decision;
            ctx.check(
              d === "abort",
              "a restarted coordinator aborts what it left undecided",
              () =>
                `${txn} was still collecting votes when the coordinator crashed; it was then decided ${d ?? "never"}: a restarted coordinator aborts the transactions its log shows collecting`,
            );
          }
        }
      });
      await runUntilSettled(ctx, sim, run, 20_000, "the crashes");
      await completes(ctx, sim, watch, 2000);
      lockedMetrics(ctx, watch);
    },
  },
  {
    part: "B",
    name: "in doubt, participants ask each other",
    points: 10,
    seeds: 4,
    hints: [
      "The cooperative termination protocol (Bernstein, Hadzilacos & Goodman 7.4): an in-doubt participant asks the other participants. One that committed or aborted tells the decision; one that never voted aborts right there (durably) and says aborted, since the coordinator cannot have decided commit without its vote.",
      "An answer in_doubt tells you nothing: that participant voted yes, like you, and the coordinator may still have decided either way. Only committed or aborted settle the doubt.",
    ],
    async run(ctx) {
      const { sim, watch, client } = setUp(ctx, 0.1, [1, 10]);
      // p3's answers are slow: an in-doubt peer's answer arrives before the decided one.
      for (const p of ["p1", "p2"]) sim.setLinkFaults("p3", p, { delay: { kind: "uniform", min: 30, max: 60 } });
      const run = sim.spawn("the coordinator is gone", async () => {
        // Round 1: p3 never got its prepare; p1 and p2 voted yes.
        const t1 = client.next();
        crashAt(
          sim,
          {
            label: "after the prepares to p1 and p2, before p3's",
            node: COORDINATOR,
            kind: "send",
            match: (m, peer) => m.type === "prepare" && peer === "p2",
          },
          undefined,
        );
        ctx.log(`${t1}: the coordinator crashes before its prepare to p3 and stays down`);
        await client.run(t1, deposits(ctx, "a"), 300);
        votedYes(ctx, watch, t1, ["p1", "p2"]);
        const ok1 = await settles(sim, client, t1, 1500);
        ctx.check(
          ok1,
          "in-doubt participants learn the decision",
          () =>
            `${t1}: the coordinator is down and p3 never voted, yet ${inDoubt(sim, t1).join(", ")} still in doubt 1500 ms later: ask the other participants; one that never voted aborts and answers aborted`,
        );
        sim.restart(COORDINATOR);
        // Round 2: the commit reached p1 only.
        const t2 = client.next();
        crashAt(
          sim,
          {
            label: "after the commit to p1, before the others",
            node: COORDINATOR,
            kind: "send",
            match: (m, peer) => m.type === "decision" && peer === "p1",
          },
          undefined,
        );
        ctx.log(`${t2}: the coordinator crashes after sending commit to p1 only and stays down`);
        await client.run(t2, deposits(ctx, "b"), 300);
        const ok2 = await settles(sim, client, t2, 1500);
        const d2 = watch.decided.get(t2)?.decision;
        ctx.check(
          d2 === "commit",
          "a transaction every participant can do commits",
          () =>
            `${t2} only deposits and nothing failed before the decision: it must commit, but it was decided ${d2 ?? "never"}`,
        );
        ctx.check(
          ok2,
          "in-doubt participants learn the decision",
          () =>
            `${t2}: p1 committed and the coordinator is down, yet ${inDoubt(sim, t2).join(", ")} still in doubt 1500 ms later: ask the other participants; a committed one answers committed`,
        );
        sim.restart(COORDINATOR);
        // Round 3: the commit reached p1 only, and p1 crashes with it; p2 crashes in doubt.
        const t3 = client.next();
        const p1Down = 500 + ctx.rng.int(300);
        crashAt(
          sim,
          {
            label: "after the commit to p1, before the others",
            node: COORDINATOR,
            kind: "send",
            match: (m, peer) => m.type === "decision" && m.txn === t3 && peer === "p1",
          },
          undefined,
          () => {
            sim.crash("p2");
            sim.after(200, "restart p2", () => sim.restart("p2"));
          },
        );
        crashAt(
          sim,
          {
            label: "as it learns the commit",
            node: "p1",
            kind: "deliver",
            match: (m) => m.type === "decision" && m.txn === t3,
          },
          p1Down,
        );
        ctx.log(
          `${t3}: the coordinator crashes after sending commit to p1 only and stays down; p1 crashes as it learns it (down ${p1Down} ms), p2 crashes in doubt (down 200 ms)`,
        );
        await client.run(t3, deposits(ctx, "c"), 300);
        await client.sleep(p1Down);
        const ok3 = await settles(sim, client, t3, 1000);
        ctx.check(
          ok3,
          "in-doubt participants learn the decision",
          () =>
            `${t3}: p1 committed and came back ${p1Down} ms after its crash, yet ${inDoubt(sim, t3).join(", ")} still in doubt 1000 ms later: keep asking every QUERY_MS while in doubt, also after a restart; the first answers may never come`,
        );
        sim.restart(COORDINATOR);
        // Round 4: p3's first prepare is lost, so p3 learns its peers from the resent one; then
        // the commit reaches p1 only.
        const t4 = client.next();
        let firstLost = false;
        sim.blockOneWay(COORDINATOR, "p3");
        sim.onEvent((e) => {
          if (firstLost || e.kind !== "send" || e.node !== COORDINATOR || e.peer !== "p3") return;
          const m = messageOf<Msg>(e);
          if (m?.type !== "prepare" || m.txn !== t4) return;
          firstLost = true;
          sim.after(0, "heal the link to p3", () => sim.unblockOneWay(COORDINATOR, "p3"));
        });
        crashAt(
          sim,
          {
            label: "after the commit to p1, before the others",
            node: COORDINATOR,
            kind: "send",
            match: (m, peer) => m.type === "decision" && m.txn === t4 && peer === "p1",
          },
          undefined,
        );
        ctx.log(
          `${t4}: p3's first prepare is lost; the coordinator crashes after sending commit to p1 only and stays down`,
        );
        await client.run(t4, deposits(ctx, "d"), 300);
        const ok4 = await settles(sim, client, t4, 1500);
        ctx.check(
          ok4,
          "in-doubt participants learn the decision",
          () =>
            `${t4}: p3's first prepare was lost and it voted on the resent one; p1 committed and the coordinator is down, yet ${inDoubt(sim, t4).join(", ")} still in doubt 1500 ms later: a resent prepare names the participants too, and an in-doubt participant asks them`,
        );
      });
      await runUntilSettled(ctx, sim, run, 20_000, "the four rounds");
      await completes(ctx, sim, watch, 2000);
      lockedMetrics(ctx, watch);
    },
  },
];
