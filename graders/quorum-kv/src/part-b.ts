/** Part B: read repair, and a linearizable mode (ABD) checked by the linearizability checker. */
import type { Scenario } from "@faultline/grading";
import { checkLinearizability, explainResult, kvModel, type LinearizabilityResult } from "@faultline/check";
import { randomNemesis, type NodeId } from "@faultline/sim";
import type { Config, Version } from "@faultline/lab-quorum-kv";
import {
  checkAllAnswered,
  cluster,
  cmpStamp,
  configText,
  describeOp,
  KvClient,
  keyStartingAt,
  preference,
  stampText,
  stored,
  toHistory,
  versionsText,
  type Ctx,
  type Impl,
  type Recorded,
  type Sim,
} from "./harness.ts";

/** Invariant: the stamp a replica stores for a key never goes down (lww, abd). */
function neverDowngrade(sim: Sim, keys: readonly string[]): void {
  const last = new Map<string, Version>();
  sim.addInvariant("a replica's version never goes backwards", () => {
    for (const n of sim.nodeIds) {
      if (!sim.isUp(n)) continue;
      for (const key of keys) {
        const v = stored(sim, n, key)?.[0];
        const id = `${n}\u0000${key}`;
        const before = last.get(id);
        if (before && (!v || cmpStamp(v.stamp, before.stamp) < 0)) {
          return `${n} stored ${stampText(before)} for ${key} and now stores ${v ? stampText(v) : "nothing"}: an older version replaced a newer one (a read repair or store must merge, keeping the higher stamp)`;
        }
        if (v) last.set(id, v);
      }
    }
    return undefined;
  });
}

function check(log: readonly Recorded[], clients: readonly NodeId[]): { result: LinearizabilityResult; text: string } {
  const history = toHistory(log, (c) => clients.indexOf(c));
  const result = checkLinearizability(kvModel, history);
  return { result, text: explainResult(kvModel, history, result) };
}

/** The scripted new/old inversion: returns the checker's verdict for one configuration. */
async function inversion(
  ctx: Ctx,
  config: Partial<Config>,
): Promise<{ verdict: string; text: string; log: Recorded[] }> {
  const sim = cluster(ctx, { nodes: 4, clients: 3, config });
  const key = keyStartingAt(ctx.rng.pick(sim.nodeIds), sim.nodeIds, "reg");
  const [a, b, c, d] = preference(key, sim.nodeIds) as [NodeId, NodeId, NodeId, NodeId];
  const log: Recorded[] = [];
  const writer = new KvClient(sim, "c1", log, 1_000);
  const r1 = new KvClient(sim, "c2", log, 1_000);
  const r2 = new KvClient(sim, "c3", log, 1_000);
  ctx.log(
    `${configText(config)}: ${key} lives on ${a}, ${b}, ${c}; the put is coordinated by ${d}, whose stores to ${b} and ${c} are held back (only ${a} gets it); ${a}'s replies to ${c} are held back too`,
  );
  sim.setLinkFaults(a, a, { delay: { kind: "constant", ms: 0 } });
  sim.clog(a, c);
  // Once the put's coordinator starts storing (abd: after its timestamp query), hold its stores to b and c.
  let held = false;
  sim.onEvent((e) => {
    if (!held && e.kind === "send" && e.node === d && e.payload?.includes('"type":"store"')) {
      held = true;
      sim.clog(d, b);
      sim.clog(d, c);
    }
  });
  sim.spawn("writer", async () => {
    await writer.put(d, key, "v1");
  });
  sim.spawn("readers", async () => {
    await r1.sleep(50);
    const first = await r1.get(a, key);
    await r2.sleep(5);
    const second = await r2.get(c, key);
    ctx.log(`${describeOp(first)}; then ${describeOp(second)}`);
  });
  await sim.runFor(1_500);
  const { result, text } = check(log, ["c1", "c2", "c3"]);
  return { verdict: result.verdict, text, log };
}

/**
 * ABD's write rule: a put first asks R replicas for their highest stamp and writes above it.
 * Here the second of two sequential puts goes through a node whose clock is 2 s behind and
 * which never saw the key (it is no replica of it): only the query phase stamps it high enough.
 * Returns a description of the violation, if any.
 */
async function abdSlowWriter(ctx: Ctx): Promise<string | undefined> {
  const config: Partial<Config> = { mode: "abd", n: 3, w: 2, r: 2 };
  const sim = cluster(ctx, { nodes: 4, clients: 1, config, faults: { delay: { kind: "uniform", min: 1, max: 5 } } });
  const key = keyStartingAt(ctx.rng.pick(sim.nodeIds), sim.nodeIds, "reg");
  const [a, , , slow] = preference(key, sim.nodeIds) as [NodeId, NodeId, NodeId, NodeId];
  sim.setClock(a, { offset: 1_000 });
  sim.setClock(slow, { offset: -2_000 });
  const log: Recorded[] = [];
  const c = new KvClient(sim, "c1", log, 1_000);
  let problem: string | undefined;
  let done = false;
  sim.spawn("writes", async () => {
    const first = await c.put(a, key, "first");
    const second = await c.put(slow, key, "second");
    const read = await c.get(a, key);
    if (first.ok && second.ok && read.ok && read.values?.[0] !== "second") {
      problem = `${configText(config)}: put(${key}, "first") via ${a} (clock 1000 ms ahead) was acknowledged, then put(${key}, "second") via ${slow} (clock 2000 ms behind, not a replica of ${key}) was acknowledged with stamp ${JSON.stringify(second.context?.stamp)}, then ${describeOp(read)}: an abd put must first read the highest stamp from R replicas and write above it`;
    }
    if (!first.ok || !second.ok || !read.ok)
      problem = `${configText(config)} on a healthy network: ${log.map(describeOp).join("; ")}`;
    // Cut off from every replica, the coordinator's timestamp query cannot complete: fail.
    sim.partition(
      [slow],
      sim.nodeIds.filter((n) => n !== slow),
    );
    const cut = await c.put(slow, key, "unreachable");
    if (problem === undefined && cut.answer !== "fail")
      problem = `${configText(config)}: ${slow} was cut off from every replica of ${key}; ${describeOp(cut)} got ${cut.answer ?? "no answer within 1000 ms"}: when the timestamp query of a put cannot reach R replicas within requestTimeoutMs, answer fail`;
    done = true;
  });
  await sim.runUntil(() => done, { maxMs: 5_000 });
  return done ? problem : `${configText(config)}: the puts and the get did not finish within 5 s`;
}

export const partB: Scenario<Impl>[] = [
  {
    part: "B",
    name: "read repair fixes stale replicas without downgrading newer ones",
    points: 8,
    seeds: 6,
    hints: [
      'After a get has its R replies, keep listening: every replica whose reply lacked the newest version gets a store of it (reason "repair").',
      "A replica merges a repair exactly like any store: it keeps the higher stamp. A repair can arrive after a newer write did.",
      "Read repair must never replace what a replica holds; it only offers a version, and storeVersions decides with reconcile().",
      "With readRepair: false a get sends no repair at all, neither to replies within its quorum nor to late ones.",
    ],
    async run(ctx) {
      const config: Partial<Config> = { mode: "lww", n: 3, w: 2, r: 2 };
      const sim = cluster(ctx, {
        nodes: 3,
        clients: 4,
        config,
        faults: { delay: { kind: "uniform", min: 1, max: 8 } },
      });
      const keys = ["a", "b", "c", "hot"];
      neverDowngrade(sim, keys);
      const log: Recorded[] = [];
      const [w1, w2, r1, r2] = sim.clientIds.map((id) => new KvClient(sim, id, log)) as [
        KvClient,
        KvClient,
        KvClient,
        KvClient,
      ];
      const lagging = ctx.rng.pick(sim.nodeIds);
      const others = sim.nodeIds.filter((n) => n !== lagging);
      let phase1 = false;
      sim.spawn("stale replica", async () => {
        sim.isolate(lagging);
        for (const key of keys.slice(0, 3))
          for (let j = 0; j < 2; j++) await w1.put(ctx.rng.pick(others), key, `${key}${j}`);
        sim.reconnect(lagging);
        for (const key of keys.slice(0, 3)) for (let j = 0; j < 2; j++) await r1.get(ctx.rng.pick(sim.nodeIds), key);
        await r1.sleep(100);
        phase1 = true;
      });
      await sim.runUntil(() => phase1, { maxMs: 5_000 });
      for (const key of keys.slice(0, 3)) {
        const newest = `${key}1`;
        for (const n of sim.nodeIds) {
          const v = stored(sim, n, key) ?? [];
          ctx.check(
            v.length === 1 && v[0]?.value === newest,
            "read repair updates stale replicas",
            () =>
              `${n} was cut off while ${key} was written; after two gets of ${key} it stores ${versionsText(v)} instead of ${JSON.stringify(newest)}: the get saw its old reply and should have sent it the newest version`,
          );
        }
      }
      // Phase 2: repairs race with new writes on one hot key over a long-tail network.
      sim.setFaults({
        delay: { kind: "longTail", base: { kind: "uniform", min: 1, max: 5 }, tailProbability: 0.25, tailMs: 40 },
      });
      const until = sim.now + 1_500;
      let n = 0;
      for (const w of [w1, w2])
        sim.spawn(`writer ${w.id}`, async () => {
          while (sim.now < until) {
            await w.put(ctx.rng.pick(sim.nodeIds), "hot", `h${w.id}-${n++}`);
            await w.sleep(ctx.rng.int(4));
          }
        });
      for (const r of [r1, r2])
        sim.spawn(`reader ${r.id}`, async () => {
          while (sim.now < until) {
            await r.get(ctx.rng.pick(sim.nodeIds), "hot");
            await r.sleep(ctx.rng.int(3));
          }
        });
      await sim.runFor(until - sim.now + 200);
      checkAllAnswered(ctx, log, "requests succeed", "on a network without loss");
      // The same stale replica with read repair off: no get may send it a repair, whether its
      // reply arrives within the quorum or after it.
      const off: Partial<Config> = { ...config, readRepair: false };
      const quiet = cluster(ctx, {
        nodes: 3,
        clients: 1,
        config: off,
        faults: { delay: { kind: "uniform", min: 1, max: 8 } },
      });
      let repairs = 0;
      quiet.onEvent((e) => {
        if (e.kind === "send" && e.payload?.includes('"reason":"repair"')) repairs++;
      });
      const c = new KvClient(quiet, "c1", []);
      const behind = ctx.rng.pick(quiet.nodeIds);
      let finished = false;
      quiet.spawn("gets with read repair off", async () => {
        quiet.isolate(behind);
        await c.put(ctx.rng.pick(quiet.nodeIds.filter((n) => n !== behind)), "a", "new");
        quiet.reconnect(behind);
        for (let j = 0; j < 8; j++) await c.get(ctx.rng.pick(quiet.nodeIds), "a");
        await c.sleep(100);
        finished = true;
      });
      await quiet.runUntil(() => finished, { maxMs: 5_000 });
      ctx.check(
        repairs === 0,
        "read repair off sends no repair",
        () =>
          `${configText(off)}: ${behind} missed a put; eight gets then sent ${repairs} store(s) with reason "repair": with read repair off a get repairs nothing, in its quorum or for late replies`,
      );
    },
  },
  {
    part: "B",
    name: "reads without write-back are not linearizable, ABD reads are",
    points: 6,
    seeds: 3,
    hints: [
      "This test runs one schedule twice: in lww mode with read repair off (the checker must find a new-then-old read) and in abd mode (it must not). A put is still in flight when two reads run one after the other.",
      'In abd mode a get must not answer after its read phase: it first stores the version it is about to return on W replicas (reason "writeback"), then answers.',
      "The write-back uses the same store phase as a put: send to the N replicas, re-send to silent ones, answer after W acknowledgements.",
      "An abd put reads the highest stamp of R replicas first and writes above it: a coordinator with a slow clock that never saw the key must still not stamp below the last acknowledged write.",
    ],
    async run(ctx) {
      const weak = await inversion(ctx, { mode: "lww", n: 3, w: 2, r: 2, readRepair: false });
      if (weak.verdict === "not linearizable")
        ctx.log(`anomaly found as expected (quorum reads without write-back): ${weak.text}`);
      ctx.check(
        weak.verdict === "not linearizable",
        "quorum reads without write-back show a new-then-old read",
        () =>
          `in lww mode the checker said ${weak.verdict}: ${weak.log.map(describeOp).join("; ")}. The first get should have returned the in-flight "v1" (its own replica has it) and the second, which reads two replicas that do not, the old value`,
      );
      // Read repair off in abd mode too: its synchronous write-back needs none, and a
      // background repair must not stand in for it.
      const strong = await inversion(ctx, { mode: "abd", n: 3, w: 2, r: 2, readRepair: false });
      ctx.check(
        strong.verdict === "linearizable",
        "ABD reads are linearizable",
        () => `abd mode is ${strong.verdict}: ${strong.text}`,
      );
      const reads = strong.log.filter((r) => r.kind === "get");
      ctx.check(
        reads.every((r) => r.ok),
        "ABD reads complete",
        () => `a get got no answer in abd mode: ${reads.map(describeOp).join("; ")}`,
      );
      const slowWriter = await abdSlowWriter(ctx);
      ctx.check(slowWriter === undefined, "ABD writes go above the highest stamp", () => slowWriter as string);
    },
  },
  {
    part: "B",
    name: "linearizable mode passes the checker under partitions and crashes",
    points: 7,
    seeds: 8,
    timeoutMs: 30_000,
    hints: [
      "abd mode: a put asks R replicas for their highest stamp and writes above it; a get reads R replicas and writes the newest back to W before answering.",
      "A request that cannot reach its quorum before requestTimeoutMs answers fail; one that may have reached some replicas has an unknown effect, which is allowed. Wrong answers are not.",
      "Make the put's stamp higher than every stamp in its read phase (and in the client's context), with the node id as a tie-break, so two writers never produce equal stamps.",
    ],
    async run(ctx) {
      const config: Partial<Config> = { mode: "abd", n: 3, w: 2, r: 2 };
      const sim = cluster(ctx, {
        nodes: 5,
        clients: 3,
        config,
        faults: { delay: { kind: "uniform", min: 1, max: 10 } },
      });
      const until = 2_500;
      const profile = randomNemesis(sim, { until, maxDown: 1, intervalMs: [150, 500], allowed: { clocks: true } });
      ctx.log(
        `nemesis: ${Object.entries(profile)
          .filter(([, on]) => on)
          .map(([k]) => k)
          .join(", ")}`,
      );
      const log: Recorded[] = [];
      const keys = ["x", "y"];
      const clients = sim.clientIds.map((id) => new KvClient(sim, id, log, 500));
      clients.forEach((c) => {
        sim.spawn(c.id, async () => {
          let i = 0;
          while (sim.now < until) {
            const key = ctx.rng.pick(keys);
            if (ctx.rng.chance(0.5)) await c.put(ctx.rng.pick(sim.nodeIds), key, `${c.id}-${i++}`);
            else await c.get(ctx.rng.pick(sim.nodeIds), key);
            await c.sleep(10 + ctx.rng.int(20));
          }
        });
      });
      await sim.runFor(until + 600);
      // Liveness: healed, every client gets answers.
      let done = 0;
      clients.forEach((c) => {
        sim.spawn(`${c.id} after heal`, async () => {
          for (const key of keys) {
            const g = await c.get(ctx.rng.pick(sim.nodeIds), key);
            if (g.ok) done++;
          }
        });
      });
      await sim.require(() => done === clients.length * keys.length, "gets succeed after the network heals", 1_500);
      const { result, text } = check(log, sim.clientIds);
      ctx.metric("operations", log.length);
      ctx.metric("checker steps", result.stats.steps);
      ctx.check(result.verdict === "linearizable", "the history is linearizable", () => `${text}`);
    },
  },
];
