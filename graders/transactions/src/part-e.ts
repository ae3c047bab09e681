/**
 * Part E (bonus): the order saga by choreography. The same orders and the same rules as Part C,
 * without an orchestrator: the services react to each other's events, and the grader crashes
 * each service as it accepts an order, as it processes an event and as it publishes one (the
 * event lost).
 */
import type { Scenario } from "@faultline/grading";
import type { NodeId } from "@faultline/sim";
import type { L } from "./props.ts";
import { crashAt, runUntilSettled } from "./cluster.ts";
import { REFUSERS, runOrder } from "./part-c.ts";
import { type SagaSim, SagaClient, sagaCluster, sagasEnd, SagaWatch, type AnySagaMsg } from "./saga-watch.ts";
import type { Ctx } from "./props.ts";

/** The order a message is about (an ack names it in its event id). */
function orderOf(m: AnySagaMsg): string | undefined {
  if ("order" in m) return m.order;
  return m.type === "saga_event_ack" ? m.id.split(":")[0] : undefined;
}

interface ChoreoPoint {
  label: string;
  node: NodeId;
  kind: "send" | "deliver";
  cutFirst?: boolean;
  refuser?: NodeId;
  match: (m: AnySagaMsg) => boolean;
}

const isEvent = (m: AnySagaMsg, event: string) => m.type === "saga_event" && m.event === event;

const CHOREO_POINTS: ChoreoPoint[] = [
  { label: "as it accepts the order", node: "stock", kind: "send", match: (m) => m.type === "accepted" },
  {
    label: "as it publishes reserved (lost)",
    node: "stock",
    kind: "send",
    cutFirst: true,
    match: (m) => isEvent(m, "reserved"),
  },
  { label: "as it processes reserved", node: "payment", kind: "deliver", match: (m) => isEvent(m, "reserved") },
  {
    label: "as it publishes ship_failed (lost)",
    node: "shipping",
    kind: "send",
    cutFirst: true,
    refuser: "shipping",
    match: (m) => isEvent(m, "ship_failed"),
  },
  {
    label: "as it processes ship_failed (the refund)",
    node: "payment",
    kind: "deliver",
    refuser: "shipping",
    match: (m) => isEvent(m, "ship_failed"),
  },
  {
    label: "as it acknowledges refunded (lost)",
    node: "stock",
    kind: "send",
    cutFirst: true,
    refuser: "shipping",
    match: (m) => m.type === "saga_event_ack",
  },
  { label: "as it processes shipped", node: "stock", kind: "deliver", match: (m) => isEvent(m, "shipped") },
  {
    label: "as it publishes charge_failed (lost)",
    node: "payment",
    kind: "send",
    cutFirst: true,
    refuser: "payment",
    match: (m) => isEvent(m, "charge_failed"),
  },
];

/**
 * Once every saga ended: the services go quiet (every event acknowledged, every outbox row
 * deleted), and a restarted `stock` still answers every order's status with its result.
 */
async function afterTheEnd(ctx: Ctx, sim: SagaSim, watch: SagaWatch, client: SagaClient): Promise<void> {
  await sim.runFor(500);
  const before = watch.sent;
  await sim.runFor(1000);
  ctx.check(
    watch.sent === before,
    "events stop once acknowledged",
    () =>
      `every saga had ended, yet the services sent ${watch.sent - before} more messages in the next second: acknowledge every event (also a repeat), and delete an outbox row once its event is acknowledged`,
  );
  sim.crash("stock");
  sim.restart("stock");
  const asked = sim.spawn("status after a restart", async () => {
    for (const [order, outcome] of watch.results) {
      const heard = await client.outcome(order, 1000);
      ctx.check(
        heard === outcome,
        "an outcome survives a restart",
        () =>
          `stock told the client ${order} ended ${outcome}; after stock restarted, its status got ${heard === undefined ? "no result within 1000 ms" : `the result ${heard}`}: write the order's outcome to disk in the same sync as the event that ends it, and read it back at restart`,
      );
    }
  });
  await runUntilSettled(ctx, sim, asked, 60_000, "the status requests");
}

export const partE: Array<Scenario<L>> = [
  {
    part: "E",
    name: "choreography: every order ends done or compensated",
    points: 10,
    bonus: true,
    seeds: 4,
    hints: [
      "Nobody drives the saga: an event that is lost is a saga stuck for ever. Write the next event into your outbox in the same sync as the local change that causes it, and publish it every PUBLISH_MS until it is acknowledged.",
      "Events arrive twice (duplicates, and a publish again after a crash): keep the ids you processed, in the same sync as their effect, and only acknowledge a repeat.",
      "The backward events carry the compensations: payment refunds on ship_failed, stock releases on refunded or charge_failed, and only a step recorded done is undone.",
    ],
    async run(ctx) {
      const sim = sagaCluster(ctx, 0.3, [1, 20], true);
      const watch = new SagaWatch(sim, "stock");
      const client = new SagaClient(sim, "stock");
      const run = sim.spawn("orders", async () => {
        // First the orders of every kind under duplicates and delays, then one crash per order.
        for (const refuser of REFUSERS) await runOrder(ctx, client, watch, client.next(), refuser, 4000, "stock");
        watch.metrics(ctx, "calm");
        for (const point of CHOREO_POINTS) {
          const order = client.next();
          const down = 200 + ctx.rng.int(400);
          crashAt(
            sim,
            {
              label: point.label,
              node: point.node,
              kind: point.kind,
              cutFirst: point.cutFirst,
              match: (m) => orderOf(m) === order && point.match(m),
            },
            down,
          );
          ctx.log(`${order}: ${point.node} crashes ${point.label}, down ${down} ms`);
          await runOrder(ctx, client, watch, order, point.refuser, 5000, "stock");
        }
      });
      await runUntilSettled(ctx, sim, run, 120_000, "the orders");
      await sagasEnd(
        ctx,
        sim,
        watch,
        3000,
        "and stock says which; every event must be published until acknowledged (also after a crash: it is in the outbox) and processed once",
      );
      watch.metrics(ctx, "all");
      await afterTheEnd(ctx, sim, watch, client);
    },
  },
];
