/** Part C: version vectors, siblings, and the set-append workload (the Jepsen Riak replay). */
import type { Scenario } from "@faultline/grading";
import { randomNemesis, type NodeId } from "@faultline/sim";
import type { Config, Version } from "@faultline/lab-quorum-kv";
import {
  cluster,
  configText,
  descends,
  describeOp,
  KvClient,
  stampText,
  stored,
  versionsText,
  type Ctx,
  type Impl,
  type Recorded,
  type Sim,
} from "./harness.ts";

/** Invariant: a replica drops a version only for one that descends from it (vv). */
function noSiblingLost(sim: Sim, keys: readonly string[]): void {
  const last = new Map<string, Version[]>();
  sim.addInvariant("a replica keeps every version nothing supersedes", () => {
    for (const n of sim.nodeIds) {
      if (!sim.isUp(n)) continue;
      for (const key of keys) {
        const now = stored(sim, n, key) ?? [];
        const id = `${n}\u0000${key}`;
        for (const old of last.get(id) ?? []) {
          if (!now.some((v) => descends(v.vv, old.vv))) {
            return `${n} stored ${stampText(old)} for ${key} and dropped it: what it stores now, ${versionsText(now)}, does not descend from it (a concurrent sibling must be kept)`;
          }
        }
        last.set(id, now);
      }
    }
    return undefined;
  });
}

const VV_ALL: Partial<Config> = { mode: "vv", n: 3, w: 1, r: 3 };

/** Partition three nodes apart; each client writes the key through its own node. Returns the values. */
async function concurrentWrites(sim: Sim, clients: readonly KvClient[], key: string): Promise<string[]> {
  sim.partition(...sim.nodeIds.map((n) => [n]));
  const values = clients.map((c) => `${c.id}:${key}`);
  await Promise.all(clients.map((c, i) => c.put(sim.nodeIds[i] as NodeId, key, values[i] as string)));
  sim.heal();
  return values;
}

/** Read-modify-write appends to one set, kept as a JSON array per sibling. */
/**
 * Clients append until `until`; with `minAcked`, they go on (the faults are over by then) until
 * that many appends are acknowledged or `graceMs` more have passed, so a seed whose faults
 * slowed the window down is not failed for it.
 */
async function setAppend(
  ctx: Ctx,
  sim: Sim,
  until: number,
  log: Recorded[],
  acked: Map<string, number>,
  attempted: Set<string>,
  minAcked = 0,
  graceMs = 0,
): Promise<void> {
  const clients = sim.clientIds.map((id) => new KvClient(sim, id, log, 500));
  await Promise.all(
    clients.map(async (c) => {
      let i = 0;
      while (sim.now < until || (acked.size < minAcked && sim.now < until + graceMs)) {
        const via = ctx.rng.pick(sim.nodeIds);
        const read = await c.get(via, "set");
        if (read.ok) {
          const el = `${c.id}:${i++}`;
          attempted.add(el);
          const union = new Set<string>();
          for (const v of read.values ?? []) for (const e of JSON.parse(v) as string[]) union.add(e);
          union.add(el);
          const put = await c.put(via, "set", JSON.stringify([...union].sort()), read.context);
          if (put.ok) acked.set(el, put.ret);
        }
        await c.sleep(ctx.rng.int(15));
      }
    }),
  );
}

/** Read "set" until a get succeeds; the union of its siblings. */
async function finalRead(sim: Sim, log: Recorded[]): Promise<{ elements: Set<string>; read: Recorded }> {
  const reader = new KvClient(sim, sim.clientIds[0] as NodeId, log, 500);
  for (let attempt = 0; ; attempt++) {
    const read = await reader.get(sim.nodeIds[attempt % sim.nodeIds.length] as NodeId, "set");
    if (read.ok || attempt > 20) {
      const elements = new Set<string>();
      for (const v of read.values ?? []) for (const e of JSON.parse(v) as string[]) elements.add(e);
      return { elements, read };
    }
  }
}

export const partC: Scenario<Impl>[] = [
  {
    part: "C",
    name: "concurrent writes under a partition survive as siblings",
    points: 7,
    seeds: 4,
    hints: [
      "In vv mode each write carries a version vector. Two writes whose vectors are concurrent (neither descends from the other) must both be kept by every replica that sees them, and a get returns every sibling.",
      "compareVectors(a, b): 'after' only when every entry of a is >= b's and one is greater; one greater entry each way means 'concurrent'. A missing entry counts as 0.",
      "reconcile() keeps every version that no other version strictly dominates; a replica's store merges what it holds with what arrives using reconcile().",
      "A node's counter for new vector entries is durable: after a crash and restart its next write must not reuse an entry it gave an earlier write.",
    ],
    async run(ctx) {
      const sim = cluster(ctx, {
        nodes: 3,
        clients: 3,
        config: VV_ALL,
        faults: { delay: { kind: "uniform", min: 1, max: 8 } },
      });
      const keys = ["cart", "list"];
      noSiblingLost(sim, keys);
      const log: Recorded[] = [];
      const clients = sim.clientIds.map((id) => new KvClient(sim, id, log));
      const problems: string[] = [];
      sim.spawn("workload", async () => {
        for (const key of keys) {
          const values = await concurrentWrites(sim, ctx.rng.shuffle(clients), key);
          await clients[0]?.sleep(20);
          const read = await (clients[0] as KvClient).get(ctx.rng.pick(sim.nodeIds), key);
          const got = [...(read.values ?? [])].sort();
          if (!read.ok || got.join("|") !== [...values].sort().join("|")) {
            problems.push(
              `${key} was written concurrently as ${values.map((v) => JSON.stringify(v)).join(", ")} on three sides of a partition (${configText(VV_ALL)}); after heal ${describeOp(read)}; replicas: ${sim.nodeIds.map((n) => `${n}: ${versionsText(stored(sim, n, key) ?? [])}`).join("; ")}`,
            );
          }
        }
      });
      await sim.runFor(3_000);
      // Two blind writes through one coordinator, one before and one after it crashed and
      // restarted: concurrent, so both stay. Its vector counter is durable state: a counter
      // that restarts from 0 names the second write like the first, which then hides it.
      // (A fresh cluster: the first write there is the coordinator's first entry.)
      const fresh = cluster(ctx, {
        nodes: 3,
        clients: 1,
        config: VV_ALL,
        faults: { delay: { kind: "uniform", min: 1, max: 8 } },
      });
      const coordinator = ctx.rng.pick(fresh.nodeIds);
      const writer = new KvClient(fresh, "c1", []);
      fresh.spawn("writes across a restart", async () => {
        const before = await writer.put(coordinator, "restart", "before the crash");
        await writer.sleep(20);
        fresh.crash(coordinator);
        fresh.restart(coordinator);
        const after = await writer.put(coordinator, "restart", "after the restart");
        await writer.sleep(20);
        const read = await writer.get(ctx.rng.pick(fresh.nodeIds), "restart");
        const got = [...(read.values ?? [])].sort();
        if (before.ok && after.ok && got.join("|") !== ["after the restart", "before the crash"].join("|")) {
          problems.push(
            `two blind puts of "restart" through ${coordinator}, one before and one after it crashed and restarted (${configText(VV_ALL)}), were acknowledged with vectors ${JSON.stringify(before.context?.vv)} and ${JSON.stringify(after.context?.vv)}; then ${describeOp(read)}: both are siblings. The counter of a node's vector entries must survive a crash (env.disk, synced), or a new write reuses an old entry`,
          );
        }
      });
      await fresh.runFor(1_000);
      ctx.check(problems.length === 0, "every concurrent write is returned as a sibling", () => problems[0] as string);
    },
  },
  {
    part: "C",
    name: "a put with the merged context collapses siblings",
    points: 5,
    seeds: 4,
    hints: [
      "A get returns a context: the merge of the vectors of every sibling it returned. A put with that context supersedes all of them.",
      "newVector(context): start from the context's vector and set this node's entry to a counter higher than any it used before (keep that counter on disk).",
      "After the put, reconcile() on any replica or coordinator must drop every sibling the new vector descends from, so a get returns exactly the new value.",
    ],
    async run(ctx) {
      const sim = cluster(ctx, {
        nodes: 3,
        clients: 3,
        config: VV_ALL,
        faults: { delay: { kind: "uniform", min: 1, max: 8 } },
      });
      noSiblingLost(sim, ["doc"]);
      const log: Recorded[] = [];
      const clients = sim.clientIds.map((id) => new KvClient(sim, id, log));
      const c1 = clients[0] as KvClient;
      const problems: string[] = [];
      sim.spawn("workload", async () => {
        await concurrentWrites(sim, clients.slice(0, 2), "doc");
        await c1.sleep(20);
        const read = await c1.get(ctx.rng.pick(sim.nodeIds), "doc");
        if ((read.values?.length ?? 0) < 2)
          problems.push(`expected two siblings after concurrent writes of doc, ${describeOp(read)}`);
        const put = await c1.put(ctx.rng.pick(sim.nodeIds), "doc", "merged", read.context);
        await c1.sleep(20);
        const after = await c1.get(ctx.rng.pick(sim.nodeIds), "doc");
        if (!put.ok || !after.ok || after.values?.length !== 1 || after.values[0] !== "merged") {
          problems.push(
            `c1 read siblings ${JSON.stringify(read.values)} with context ${JSON.stringify(read.context?.vv)}, put "merged" with that context (${put.ok ? `ok, vector ${JSON.stringify(put.context?.vv)}` : "no answer"}), then ${describeOp(after)}: the put must supersede every sibling it saw`,
          );
        }
        await c1.sleep(100);
        for (const n of sim.nodeIds) {
          const v = stored(sim, n, "doc") ?? [];
          if (problems.length === 0 && (v.length !== 1 || v[0]?.value !== "merged"))
            problems.push(
              `after the merging put and a get (with read repair), ${n} stores ${versionsText(v)} instead of only "merged"`,
            );
        }
      });
      await sim.runFor(3_000);
      ctx.check(problems.length === 0, "the merging put replaces the siblings", () => problems[0] as string);
    },
  },
  {
    part: "C",
    name: "set-append loses no acknowledged element",
    points: 8,
    seeds: 6,
    timeoutMs: 30_000,
    hints: [
      "Clients read the set, add an element to the union of the siblings and put it back with the context. Every acknowledged element must be in the final read.",
      "Concurrent read-modify-writes produce concurrent vectors: both must survive as siblings until a later put with the merged context replaces them.",
      "Check compareVectors on vectors with different key sets ({n1:2} vs {n2:1} is concurrent) and that merging at a replica keeps every version nothing dominates.",
    ],
    async run(ctx) {
      const config: Partial<Config> = { mode: "vv", n: 3, w: 2, r: 2 };
      const sim = cluster(ctx, {
        nodes: 5,
        clients: 3,
        config,
        faults: { delay: { kind: "uniform", min: 1, max: 8 } },
      });
      noSiblingLost(sim, ["set"]);
      const until = 2_000;
      randomNemesis(sim, { until, maxDown: 1, intervalMs: [150, 400], allowed: { clocks: true, pauses: false } });
      const log: Recorded[] = [];
      const acked = new Map<string, number>();
      const attempted = new Set<string>();
      let done = false;
      sim.spawn("set-append", async () => {
        await setAppend(ctx, sim, until, log, acked, attempted, 20, 2_000);
        done = true;
      });
      await sim.runUntil(() => done, { maxMs: until + 4_000 });
      await sim.runFor(300);
      let final: Awaited<ReturnType<typeof finalRead>> | undefined;
      sim.spawn("final read", async () => {
        final = await finalRead(sim, log);
      });
      await sim.runUntil(() => final !== undefined, { maxMs: 20_000 });
      ctx.check(final?.read.ok, "the final read succeeds", "no get of the set succeeded after the network healed");
      const got = (final as NonNullable<typeof final>).elements;
      const lost = [...acked.keys()].filter((e) => !got.has(e));
      const phantom = [...got].filter((e) => !attempted.has(e));
      ctx.metric("acknowledged elements", acked.size);
      ctx.check(
        acked.size >= 20,
        "elements are acknowledged",
        `only ${acked.size} appends were acknowledged in ${until} ms and ${2_000} ms more after the faults`,
      );
      ctx.check(
        lost.length === 0,
        "no acknowledged element is lost",
        () =>
          `${lost.length} of ${acked.size} acknowledged elements are missing from the final read (${describeOp((final as NonNullable<typeof final>).read).slice(0, 300)}...): ${lost
            .slice(0, 5)
            .map((e) => `${e} (acknowledged at t=${acked.get(e)?.toFixed(1)} ms)`)
            .join(", ")}`,
      );
      ctx.check(
        phantom.length === 0,
        "no element appears from nowhere",
        () => `the final read contains ${phantom.join(", ")}, which no client appended`,
      );
    },
  },
  {
    part: "C",
    name: "last-writer-wins loses acknowledged appends, siblings do not",
    points: 6,
    seeds: 3,
    hints: [
      "This test runs the set-append workload twice on the same schedule, with one node's clock 1.5 s ahead: in lww mode acknowledged appends must be lost (the grader shows them), in vv mode none.",
      "If no append is lost in lww mode, your lww replicas keep more than the single version with the highest stamp, or puts wait for more than W acknowledgements.",
      "If appends are lost in vv mode, compare and merge version vectors as in the previous tests.",
    ],
    async run(ctx) {
      const runOnce = async (config: Partial<Config>) => {
        const sim = cluster(ctx, {
          nodes: 3,
          clients: 3,
          config,
          faults: { delay: { kind: "uniform", min: 1, max: 8 } },
        });
        const ahead = sim.nodeIds[ctx.seed % 3] as NodeId;
        sim.setClock(ahead, { offset: 1_500 });
        const log: Recorded[] = [];
        const acked = new Map<string, number>();
        const attempted = new Set<string>();
        let done = false;
        sim.spawn("set-append", async () => {
          await setAppend(ctx, sim, 800, log, acked, attempted);
          done = true;
        });
        await sim.runUntil(() => done, { maxMs: 3_000 });
        let final: Awaited<ReturnType<typeof finalRead>> | undefined;
        sim.spawn("final read", async () => {
          final = await finalRead(sim, log);
        });
        await sim.runUntil(() => final !== undefined, { maxMs: 5_000 });
        const got = final?.elements ?? new Set<string>();
        const lost = [...acked.keys()].filter((e) => !got.has(e));
        return { lost, acked, ahead, sim };
      };
      const weak = await runOnce({ mode: "lww", n: 3, w: 2, r: 2 });
      if (weak.lost.length > 0) {
        ctx.log(
          `anomaly found as expected (lww, ${weak.ahead}'s clock 1500 ms ahead): ${weak.lost.length} of ${weak.acked.size} acknowledged appends lost, e.g. ${weak.lost
            .slice(0, 3)
            .map((e) => `${e} (acknowledged at t=${weak.acked.get(e)?.toFixed(1)} ms)`)
            .join(", ")}: concurrent read-modify-writes overwrite each other and the higher stamp wins`,
        );
      }
      ctx.check(
        weak.lost.length > 0,
        "last-writer-wins shows lost appends",
        `in lww mode all ${weak.acked.size} acknowledged appends survived concurrent read-modify-writes: a lww replica must keep only the version with the highest stamp`,
      );
      const strong = await runOnce({ mode: "vv", n: 3, w: 2, r: 2 });
      ctx.check(
        strong.acked.size > 0 && strong.lost.length === 0,
        "siblings keep every append",
        () =>
          `in vv mode ${strong.lost.length} of ${strong.acked.size} acknowledged appends were lost: ${strong.lost.slice(0, 5).join(", ")}`,
      );
    },
  },
];
