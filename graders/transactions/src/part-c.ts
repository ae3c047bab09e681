/**
 * Part C: a saga. Orders under duplicates, delays and a slow service, some refused at each step
 * (a permanent failure), some preceded by a stray compensation; then answers duplicated late, each
 * copy arriving while the saga already waits for the next service; then the orchestrator and the
 * services crashed at each step of the saga and of its compensations in turn. Every order must end fully done or fully compensated,
 * each step and compensation must take effect once, and no compensation may come before its step.
 */
import type { Scenario } from "@faultline/grading";
import { ORCHESTRATOR, SERVICES, type SagaOutcome } from "@faultline/lab-transactions";
import type { NodeId } from "@faultline/sim";
import type { Ctx, L } from "./props.ts";
import { crashAt, runUntilSettled, type CrashPoint } from "./cluster.ts";
import {
  fits,
  refusedBy,
  type SagaSim,
  SagaClient,
  sagaCluster,
  sagasEnd,
  SagaWatch,
  type AnySagaMsg,
} from "./saga-watch.ts";
import { messageOf } from "./watch.ts";

/** Places `order`, requires it accepted and ended, and ended the way its amounts say. */
export async function runOrder(
  ctx: Ctx,
  client: SagaClient,
  watch: SagaWatch,
  order: string,
  refuser: NodeId | undefined,
  withinMs: number,
  front = "the orchestrator",
): Promise<SagaOutcome | undefined> {
  const amounts = refuser ? refusedBy(ctx, refuser) : fits(ctx);
  const accepted = await client.place(order, amounts, withinMs);
  ctx.check(
    accepted,
    "the client hears the outcome",
    () =>
      `the client sent ${order} (again every 200 ms) and ${front} did not answer accepted within ${withinMs} ms: record the saga, sync, then answer accepted (also to a repeated order)`,
  );
  ctx.check(
    // An order refused by the very service that takes it (Part E's stock) may end at once.
    watch.accepted.has(order) || refuser === front,
    "the client hears the outcome",
    () =>
      `${front} never answered accepted to ${order} (the client only heard its result): answer accepted as soon as the order is on disk, so the client knows it need not send it again`,
  );
  const outcome = await client.outcome(order, withinMs);
  ctx.check(
    outcome !== undefined,
    "the client hears the outcome",
    () =>
      `${front} accepted ${order} but gave no result within ${withinMs} ms of status requests: an accepted saga must be finished (it must survive a crash: its progress is on disk), and status is answered with result once it ended`,
  );
  const want: SagaOutcome = refuser ? "compensated" : "done";
  ctx.check(
    outcome === want,
    refuser ? "a refused order is compensated" : "an order every service can do is done",
    () =>
      refuser
        ? `${refuser} must refuse its step of ${order} (beyond its capacity), so the saga must end compensated; it ended ${outcome}`
        : `${order} fits every service and nothing else failed, so it must end done; it ended ${outcome}: a missing answer is not a failure (retry the step)`,
  );
  return outcome;
}

/**
 * The orchestrator's first `accepted` of `order` is lost: the client places it again, and must
 * be answered accepted while the saga runs.
 */
function loseFirstAccepted(sim: SagaSim, order: string): void {
  let armed = true;
  sim.blockOneWay(ORCHESTRATOR, "c1");
  sim.onEvent((e) => {
    if (!armed || e.kind !== "send" || e.node !== ORCHESTRATOR) return;
    const m = messageOf<AnySagaMsg>(e);
    if (m?.type !== "accepted" || m.order !== order) return;
    armed = false;
    sim.after(0, "restore the orchestrator's messages to the client", () => sim.unblockOneWay(ORCHESTRATOR, "c1"));
  });
}

/**
 * Once the client has heard `order` accepted, the orchestrator's messages to the client are lost
 * until its pushed result is lost too: the client must learn the result by asking status.
 */
function muteUntilResultLost(sim: SagaSim, order: string): void {
  let state: "armed" | "muted" | "done" = "armed";
  sim.onEvent((e) => {
    if (state === "done" || (e.kind !== "deliver" && e.kind !== "send")) return;
    const m = messageOf<AnySagaMsg>(e);
    if (!m || !("order" in m) || m.order !== order) return;
    if (state === "armed" && e.kind === "deliver" && e.node === "c1" && m.type === "accepted") {
      state = "muted";
      sim.blockOneWay(ORCHESTRATOR, "c1");
    } else if (state === "muted" && e.kind === "send" && e.node === ORCHESTRATOR && m.type === "result") {
      state = "done";
      sim.after(100, "restore the orchestrator's messages to the client", () => sim.unblockOneWay(ORCHESTRATOR, "c1"));
    }
  });
}

/** One order of the late-answer test: whose answer comes twice, and which service is slow meanwhile. */
interface LateAnswer {
  refuser: NodeId | undefined;
  /** The first accepted is lost: the repeated order comes while the saga waits for `slow`. */
  acceptLost?: boolean;
  twice: NodeId;
  slow: NodeId;
  what: string;
}

/**
 * Each order: every answer of `twice` to the orchestrator arrives twice, 1-10 ms apart, and the
 * service after it (or before it, for a compensation) is slow, 150-250 ms each way: the second
 * copy always arrives while the saga waits for the slow service.
 */
const LATE_ANSWERS: LateAnswer[] = [
  {
    refuser: "payment",
    twice: "stock",
    slow: "payment",
    acceptLost: true,
    what: "the first accepted is lost; stock's step answer comes again while payment's step (to be refused) is pending",
  },
  {
    refuser: undefined,
    twice: "payment",
    slow: "shipping",
    what: "payment's step answer comes again while shipping's step is pending",
  },
  {
    refuser: "shipping",
    twice: "payment",
    slow: "stock",
    what: "payment's compensated comes again while stock's compensation is pending",
  },
];

export const REFUSERS: Array<NodeId | undefined> = [undefined, ...SERVICES];

/** Crash points of the saga; `refuser` is the order that passes through the point. */
interface SagaPoint extends Omit<CrashPoint<AnySagaMsg>, "match"> {
  match: (m: AnySagaMsg, peer: NodeId) => boolean;
  refuser?: NodeId;
}

const SAGA_POINTS: SagaPoint[] = [
  { label: "as it accepts the order", node: ORCHESTRATOR, kind: "send", match: (m) => m.type === "accepted" },
  {
    label: "as it sends the payment step",
    node: ORCHESTRATOR,
    kind: "send",
    cutFirst: true,
    match: (m, peer) => m.type === "step" && peer === "payment",
  },
  {
    label: "as the stock step succeeds",
    node: ORCHESTRATOR,
    kind: "deliver",
    match: (m) => m.type === "step_result" && m.ok,
  },
  {
    label: "as the shipping step fails",
    node: ORCHESTRATOR,
    kind: "deliver",
    refuser: "shipping",
    match: (m) => m.type === "step_result" && !m.ok,
  },
  {
    label: "as it sends the first compensation",
    node: ORCHESTRATOR,
    kind: "send",
    cutFirst: true,
    refuser: "shipping",
    match: (m) => m.type === "compensate",
  },
  {
    label: "as the payment is compensated",
    node: ORCHESTRATOR,
    kind: "deliver",
    refuser: "shipping",
    match: (m) => m.type === "compensated",
  },
  {
    label: "as it answers its step (the answer is lost)",
    node: "stock",
    kind: "send",
    cutFirst: true,
    match: (m) => m.type === "step_result",
  },
  { label: "as it does its step", node: "payment", kind: "deliver", match: (m) => m.type === "step" },
  {
    label: "as it compensates",
    node: "payment",
    kind: "deliver",
    refuser: "shipping",
    match: (m) => m.type === "compensate",
  },
  {
    label: "as it answers its compensation (the answer is lost)",
    node: "stock",
    kind: "send",
    cutFirst: true,
    refuser: "payment",
    match: (m) => m.type === "compensated",
  },
];

export const partC: Array<Scenario<L>> = [
  {
    part: "C",
    name: "every order ends done or compensated",
    points: 10,
    seeds: 4,
    hints: [
      "A step's failure (step_result not ok) is permanent: never send that step again; compensate the steps done before it, in reverse order, each until its service answers compensated.",
      "A step with no answer yet is not a failure: the request or its answer may be slow. Retry it every RETRY_MS (it is idempotent by the order id), and compensate only steps whose outcome you know.",
      "A service answers a repeated step or compensation from its record, changing nothing: the record and the use change together, in one synced write, only the first time. A compensation of a step it has no record of changes nothing and records nothing.",
    ],
    async run(ctx) {
      const sim = sagaCluster(ctx, 0.3, [1, 20]);
      const watch = new SagaWatch(sim);
      const client = new SagaClient(sim);
      const run = sim.spawn("orders", async () => {
        for (let i = 0; i < 12; i++) {
          const order = client.next();
          const refuser = REFUSERS[i % REFUSERS.length];
          // The first four orders are calm (one of each kind), for the metrics; after them, every
          // other order the payment service is slow: its answers come after a resend.
          if (i === 4) watch.metrics(ctx, "calm");
          const slow = i >= 4 && i % 2 === 1;
          for (const [a, b] of [
            [ORCHESTRATOR, "payment"],
            ["payment", ORCHESTRATOR],
          ] as const)
            sim.setLinkFaults(a, b, slow ? { delay: { kind: "uniform", min: 150, max: 250 } } : undefined);
          // Two orders get a stray compensation that reaches the services before their steps.
          const stray = i === 6 || i === 10;
          // Two orders lose the orchestrator's pushed result: the client learns it by asking status.
          if (i === 7 || i === 11) muteUntilResultLost(sim, order);
          if (stray) {
            for (const s of SERVICES) sim.client("c1").send(s, { type: "compensate", order });
            await client.sleep(30);
          }
          ctx.log(
            `${order}: ${refuser ? `${refuser} refuses` : "fits everywhere"}${slow ? ", payment slow" : ""}${stray ? ", a stray compensation first" : ""}`,
          );
          await runOrder(ctx, client, watch, order, refuser, 4000);
        }
      });
      await runUntilSettled(ctx, sim, run, 120_000, "the orders");
      await sagasEnd(ctx, sim, watch, 3000);
      watch.metrics(ctx, "all");
    },
  },
  {
    part: "C",
    name: "a late duplicate answer does not move the saga",
    points: 5,
    seeds: 3,
    hints: [
      "Only the answer of the step the saga runs now (from that step's service) moves it forward; an answer from an earlier step's service is a duplicate: ignore it.",
      "Likewise, only the compensated of the compensation running now moves the saga back a step: a second copy of the previous one must not skip the next compensation.",
      "Announce done only once the last step's own answer came, and compensated only once the first step's compensation was answered.",
    ],
    async run(ctx) {
      const sim = sagaCluster(ctx, 0.1, [1, 10]);
      const watch = new SagaWatch(sim);
      const client = new SagaClient(sim);
      const run = sim.spawn("late answers", async () => {
        for (const late of LATE_ANSWERS) {
          const order = client.next();
          const slowLinks = [
            [ORCHESTRATOR, late.slow],
            [late.slow, ORCHESTRATOR],
          ] as const;
          sim.setLinkFaults(late.twice, ORCHESTRATOR, {
            duplicate: 1,
            copies: 1,
            delay: { kind: "uniform", min: 1, max: 10 },
          });
          for (const [a, b] of slowLinks) sim.setLinkFaults(a, b, { delay: { kind: "uniform", min: 150, max: 250 } });
          if (late.acceptLost) loseFirstAccepted(sim, order);
          ctx.log(`${order}: ${late.what}`);
          await runOrder(ctx, client, watch, order, late.refuser, 5000);
          if (late.acceptLost)
            ctx.check(
              client.heardAccepted.has(order),
              "a running saga is answered accepted",
              () =>
                `the orchestrator's first accepted of ${order} was lost, and the order it sent again 200 ms later (while the saga still waited for ${late.slow}) got no accepted: a repeated order (or a status) of a running saga is answered accepted`,
            );
          for (const [a, b] of [[late.twice, ORCHESTRATOR] as const, ...slowLinks]) sim.setLinkFaults(a, b, undefined);
        }
      });
      await runUntilSettled(ctx, sim, run, 60_000, "the orders");
      await sagasEnd(ctx, sim, watch, 3000);
      watch.metrics(ctx, "all");
    },
  },
  {
    part: "C",
    name: "a saga survives crashes of the orchestrator and the services",
    points: 10,
    seeds: 3,
    hints: [
      "Once the orchestrator answered accepted, the client only asks status: a restarted orchestrator that forgot the saga leaves its steps done for ever. Write and sync the saga's progress before every message it leads to.",
      "A restarted orchestrator reads every saga back and resends its current step or compensation; the services answer repeats from their records, so resending is safe.",
      "A service that crashed as it answered finds its record on restart, and answers the repeated request from it without applying the step again.",
    ],
    async run(ctx) {
      const sim = sagaCluster(ctx, 0.1, [1, 10]);
      const watch = new SagaWatch(sim);
      const client = new SagaClient(sim);
      const run = sim.spawn("crashes", async () => {
        for (const point of SAGA_POINTS) {
          const order = client.next();
          const down = 200 + ctx.rng.int(400);
          crashAt(
            sim,
            { ...point, match: (m, peer) => "order" in m && m.order === order && point.match(m, peer) },
            down,
          );
          ctx.log(`${order}: ${point.node} crashes ${point.label}, down ${down} ms`);
          await runOrder(ctx, client, watch, order, point.refuser, 5000);
        }
      });
      await runUntilSettled(ctx, sim, run, 120_000, "the crashes");
      await sagasEnd(ctx, sim, watch, 3000);
      watch.metrics(ctx, "all");
    },
  },
];
