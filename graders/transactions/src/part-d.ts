/**
 * Part D: the transactional outbox. Orders placed at the producer under duplicates and delays;
 * the producer's power cut right after its first sync of a placed order, and its crash as its relay
 * publishes; consumers crashed as they apply an event. Every committed order's event must take
 * effect at every consumer, once.
 */
import type { Scenario } from "@faultline/grading";
import { CONSUMERS, OUTBOX_KEY, PRODUCER, type OutboxMsg, type Timer } from "@faultline/lab-transactions";
import { fmt, type NodeId, type Simulation } from "@faultline/sim";
import type { Ctx, L } from "./props.ts";
import { crashAt, runUntilSettled } from "./cluster.ts";
import { messageOf } from "./watch.ts";

type OutboxSim = Simulation<OutboxMsg, Timer>;

interface ProducerView {
  orders(): string[];
}
interface ConsumerView {
  applied(): string[];
  total(): number;
}

function outboxCluster(ctx: Ctx, duplicate: number, delayMs: [number, number]): OutboxSim {
  const sim = ctx.sim<OutboxMsg, Timer>({
    nodes: [PRODUCER, ...CONSUMERS],
    clients: 1,
    factory: (id) => (id === PRODUCER ? new ctx.impl.Producer() : new ctx.impl.Consumer()),
  });
  sim.setFaults({ drop: 0, duplicate, copies: 2, delay: { kind: "uniform", min: delayMs[0], max: delayMs[1] } });
  return sim;
}

/**
 * The outbox's rules over the whole run: every consumer applies each event at most once (its
 * total is the sum of the amounts of the events it applied, each once), and only events of
 * orders the client placed; at the end, every order committed at the producer is applied at
 * every consumer.
 */
class OutboxWatch {
  /** The amount of every order the client placed. */
  readonly amounts = new Map<string, number>();
  /** Events the relay sent (publishes again included). */
  published = 0;
  /** Orders the producer confirmed to the client. */
  readonly confirmed = new Set<string>();
  /** Orders the producer holds (read after every step, and kept across its crashes). */
  readonly committed = new Set<string>();
  private twice: string | undefined;
  private forgotten: string | undefined;

  constructor(private readonly sim: OutboxSim) {
    sim.onEvent((e) => {
      if (e.kind !== "send" || e.peer === undefined) return;
      const m = messageOf<OutboxMsg>(e);
      if (m?.type === "place" && !this.amounts.has(m.order)) this.amounts.set(m.order, m.amount);
      if (m?.type === "placed" && e.node === PRODUCER) this.confirmed.add(m.order);
      if (m?.type === "event" && e.node === PRODUCER) this.published++;
    });
    sim.addInvariant("no effect is applied twice", () => {
      this.scan();
      return this.twice;
    });
    sim.addInvariant("a placed order is never forgotten", () => this.forgotten);
  }

  private scan(): void {
    const producer = this.sim.isUp(PRODUCER) ? this.sim.node<ProducerView>(PRODUCER) : undefined;
    const holds = new Set(producer?.orders() ?? []);
    for (const o of holds) this.committed.add(o);
    if (producer && !this.forgotten)
      for (const o of this.confirmed)
        if (!holds.has(o)) {
          this.forgotten = `the producer confirmed ${o} placed, but its orders() do not list it at t=${fmt(this.sim.now)} ms: placed means committed, so the order is on disk before placed leaves and is read back at restart`;
          break;
        }
    for (const c of CONSUMERS) {
      const node = this.sim.isUp(c) ? this.sim.node<ConsumerView>(c) : undefined;
      if (!node || this.twice) continue;
      const applied = node.applied();
      const distinct = new Set(applied);
      const unknown = applied.find((id) => !this.amounts.has(id));
      const want = [...distinct].reduce((a, id) => a + (this.amounts.get(id) ?? 0), 0);
      const at = `t=${fmt(this.sim.now)} ms`;
      if (distinct.size !== applied.length)
        this.twice = `${c} lists an event as applied twice at ${at}: deduplicate by the event id`;
      else if (unknown !== undefined) this.twice = `${c} applied an event ${unknown} of an order nobody placed (${at})`;
      else if (node.total() !== want)
        this.twice = `${c}'s total is ${node.total()} at ${at}, but the events it applied (${applied.join(", ") || "none"}) add up to ${want}: an event took effect twice (a redelivery applied again), or the effect and the processed-event marker were not written together`;
    }
  }

  /** "consumer:order" for every committed order some consumer has not applied. */
  missing(): string[] {
    const out: string[] = [];
    for (const c of CONSUMERS) {
      const node = this.sim.isUp(c) ? this.sim.node<ConsumerView>(c) : undefined;
      const applied = new Set(node?.applied() ?? []);
      for (const o of new Set([...this.committed, ...this.confirmed])) if (!applied.has(o)) out.push(`${c}:${o}`);
    }
    return out;
  }
}

/** After the faults: every committed order's event applied at every consumer. */
async function eventsArrive(ctx: Ctx, sim: OutboxSim, watch: OutboxWatch, withinMs: number): Promise<void> {
  sim.healAll();
  const ok = await sim.runUntil(() => watch.missing().length === 0, { maxMs: withinMs });
  ctx.check(
    ok,
    "no event is lost",
    () =>
      `${withinMs} ms after the last fault, committed orders not applied: ${watch.missing().join(", ")}: the order and its outbox row must become durable in one local transaction (one sync), and the relay must keep a row until every consumer acknowledged its event`,
  );
  // Every event delivered and acknowledged: the outbox is empty and the relay quiet.
  await sim.runFor(500);
  const before = watch.published;
  await sim.runFor(1000);
  ctx.check(
    watch.published === before,
    "the relay stops once every consumer acknowledged",
    () =>
      `every event was applied everywhere, yet the relay published ${watch.published - before} more in the next second: a consumer acks every event (also a repeat), and the relay deletes a row once every consumer acked it`,
  );
  // A relay that stops sending but keeps every row grows its disk for ever, and a restart
  // publishes the whole history again.
  const rows = sim
    .diskOf(PRODUCER)
    .keys()
    .filter((k) => k.startsWith(OUTBOX_KEY));
  ctx.check(
    rows.length === 0,
    "the outbox is emptied once every consumer acknowledged",
    () =>
      `every event was applied and acknowledged everywhere, yet the producer's disk still holds ${rows.length} outbox row${rows.length === 1 ? "" : "s"} (${rows.slice(0, 3).join(", ")}${rows.length > 3 ? ", ..." : ""}): delete a row once every consumer acked its event`,
  );
}

/** Places `order` (resent every 200 ms) until `placed`; whether it was. */
async function place(sim: OutboxSim, order: string, amount: number, withinMs: number): Promise<boolean> {
  const c = sim.client("c1");
  const until = sim.now + withinMs;
  while (sim.now < until) {
    const r = await c.call(
      PRODUCER,
      { type: "place", order, amount },
      (m) => m.type === "placed" && m.order === order,
      Math.min(200, until - sim.now),
    );
    if (r) return true;
  }
  return false;
}

/**
 * A power cut right after the first sync of the step that handles the matching message: that
 * sync is durable, nothing after it in the step is (no later sync, no send), and the node is down
 * for `down` ms.
 */
function powerCutAfterSync(
  sim: OutboxSim,
  node: NodeId,
  match: (m: OutboxMsg) => boolean,
  down: number,
): { fired: () => boolean } {
  let armed = true;
  let fired = false;
  const others = () => [...sim.endpoints].filter((x) => x !== node);
  sim.onEvent((e) => {
    if (!armed || e.kind !== "deliver" || e.node !== node) return;
    const m = messageOf<OutboxMsg>(e);
    if (!m || !match(m)) return;
    armed = false;
    // Taken here, not before the run: asking for a node's disk boots the cluster.
    const disk = sim.diskOf(node);
    const sync = disk.sync;
    disk.sync = () => {
      sync.call(disk);
      // The power is gone: later syncs and sends of this step never happen.
      disk.sync = () => {};
      for (const x of others()) sim.blockOneWay(node, x);
    };
    sim.after(0, `power cut at ${node}`, () => {
      disk.sync = sync;
      for (const x of others()) sim.unblockOneWay(node, x);
      if (sim.isUp(node)) sim.crash(node);
      fired = true;
      sim.after(down, `restart ${node}`, () => sim.restart(node));
    });
  });
  return { fired: () => fired };
}

export const partD: Array<Scenario<L>> = [
  {
    part: "D",
    name: "no event is lost across a crash between commit and publish",
    points: 10,
    seeds: 3,
    hints: [
      "The order and its outbox row are one local transaction: write both, then sync once. Two syncs leave a moment where the order is durable and its event is not, and a crash there loses the event for good.",
      "The relay publishes a row and keeps it until every consumer acknowledged it; only then may it go. A row deleted before its event arrived is lost in the next crash.",
    ],
    async run(ctx) {
      const sim = outboxCluster(ctx, 0.1, [1, 10]);
      const watch = new OutboxWatch(sim);
      const run = sim.spawn("orders", async () => {
        for (let i = 1; i <= 8; i++) {
          const order = `o${i}`;
          const amount = 1 + ctx.rng.int(1000);
          const down = 200 + ctx.rng.int(300);
          if (i % 2 === 1) {
            powerCutAfterSync(sim, PRODUCER, (m) => m.type === "place" && m.order === order, down);
            ctx.log(`${order}: the producer loses power right after its first sync of the order, down ${down} ms`);
          } else {
            crashAt(
              sim,
              {
                label: "as its relay publishes the event",
                node: PRODUCER,
                kind: "send",
                cutFirst: true,
                match: (m) => m.type === "event" && m.id === order,
              },
              down,
            );
            ctx.log(`${order}: the producer crashes as its relay publishes the event (lost), down ${down} ms`);
          }
          const ok = await place(sim, order, amount, 3000);
          ctx.check(
            ok,
            "the client hears the order placed",
            () => `the client placed ${order} (again every 200 ms) and heard no placed within 3000 ms`,
          );
          await sim.client("c1").sleep(down + 100);
        }
      });
      await runUntilSettled(ctx, sim, run, 60_000, "the orders");
      await eventsArrive(ctx, sim, watch, 3000);
    },
  },
  {
    part: "D",
    name: "no effect is applied twice",
    points: 5,
    seeds: 3,
    hints: [
      "The relay publishes at least once: duplicates on the wire, and a publish again after every restart. Keep the ids of the events you applied, and apply an id only once.",
      "The processed-event marker and the effect go in one synced write, before the ack: a crash between them either applies the event twice or loses it.",
    ],
    async run(ctx) {
      const sim = outboxCluster(ctx, 0.4, [1, 30]);
      const watch = new OutboxWatch(sim);
      const run = sim.spawn("orders", async () => {
        for (let i = 1; i <= 10; i++) {
          const order = `o${i}`;
          if (i % 3 === 0) {
            const c = CONSUMERS[(i / 3) % CONSUMERS.length]!;
            crashAt(
              sim,
              {
                label: "as it applies the event",
                node: c,
                kind: "deliver",
                match: (m) => m.type === "event" && m.id === order,
              },
              200 + ctx.rng.int(200),
            );
            ctx.log(`${order}: ${c} crashes as it applies the event`);
          }
          const ok = await place(sim, order, 1 + ctx.rng.int(1000), 3000);
          ctx.check(
            ok,
            "the client hears the order placed",
            () => `the client placed ${order} (again every 200 ms) and heard no placed within 3000 ms`,
          );
          await sim.client("c1").sleep(ctx.rng.int(100));
        }
        // The crashed consumers are back; then the producer restarts, and its relay publishes
        // whatever its outbox still holds again.
        await sim.client("c1").sleep(600);
        sim.crash(PRODUCER);
        sim.restart(PRODUCER);
      });
      await runUntilSettled(ctx, sim, run, 60_000, "the orders");
      await eventsArrive(ctx, sim, watch, 3000);
    },
  },
];
