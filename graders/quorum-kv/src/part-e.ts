/**
 * Part E (bonus): anti-entropy with Merkle trees (Dynamo §4.7). Hinted handoff and read repair
 * are off and nobody reads, so only anti-entropy can bring a replica that missed writes up to
 * date. Every scenario turns on `antiEntropy`; parts A-D never do.
 */
import type { Scenario } from "@faultline/grading";
import type { NodeId } from "@faultline/sim";
import type { Config, Context, Version } from "@faultline/lab-quorum-kv";
import {
  cluster,
  cmpStamp,
  configText,
  describeOp,
  KvClient,
  preference,
  stored,
  versionsText,
  type Ctx,
  type Impl,
  type Recorded,
  type Sim,
} from "./harness.ts";
import { disagreement, watchAntiEntropy } from "./anti-entropy.ts";

/** Only anti-entropy repairs: no hints, no read repair. */
const SYNC_ONLY = {
  n: 3,
  w: 2,
  r: 2,
  sloppy: false,
  readRepair: false,
  antiEntropy: true,
  antiEntropyMs: 100,
} as const;

function describeConfig(c: Partial<Config>): string {
  return `${configText(c)}, anti-entropy every ${c.antiEntropyMs ?? 100} ms`;
}

/** Keys whose replicas do not hold a version at least as new as the acknowledged stamp (lww). */
function missingAcked(sim: Sim, acked: ReadonlyMap<string, Version["stamp"]>, n: number): string | undefined {
  for (const [key, stamp] of acked) {
    for (const r of preference(key, sim.nodeIds).slice(0, n)) {
      const held = stored(sim, r, key) ?? [];
      if (!held.some((v) => cmpStamp(v.stamp, stamp) >= 0))
        return `${r} holds ${versionsText(held)} for ${key}, older than the acknowledged write (t=${stamp.t}, ${stamp.node})`;
    }
  }
  return undefined;
}

/** Put through random up nodes until acknowledged (five tries). */
async function putAcked(
  ctx: Ctx,
  sim: Sim,
  c: KvClient,
  key: string,
  value: string,
  context?: Context,
): Promise<Recorded> {
  let rec: Recorded | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    rec = await c.put(ctx.rng.pick(sim.nodeIds.filter((n) => sim.isUp(n))), key, value, context);
    if (rec.ok) return rec;
  }
  ctx.fail("puts are acknowledged", `put(${key}) got no answer five times, last: ${rec ? describeOp(rec) : "none"}`);
}

export const partE: Scenario<Impl>[] = [
  {
    part: "E",
    name: "replicas that missed writes converge without any read",
    points: 3,
    bonus: true,
    seeds: 5,
    hints: [
      "With antiEntropy: true the plumbing rebuilds the trees at start (updateTree for every stored key) and calls startExchange every antiEntropyMs. Nothing else repairs here: no hints, no read repair, no reads.",
      "A replica that missed writes only learns them if its tree differs from its peer's: call updateTree in storeVersions every time the store changes (client puts included, not only merges from anti-entropy).",
      "Messages get lost in this test: keep no session state; every exchange starts again from the root at the next timer. Merge received entries with storeVersions(key, versions, 'sync'), which reconciles; a replica sending you an old version must not make you older.",
    ],
    async run(ctx) {
      const config: Partial<Config> = { ...SYNC_ONLY, mode: "lww" };
      const sim = cluster(ctx, {
        nodes: 5,
        clients: 1,
        config,
        faults: { delay: { kind: "uniform", min: 1, max: 6 } },
      });
      watchAntiEntropy(sim, false);
      const log: Recorded[] = [];
      const c = new KvClient(sim, "c1", log);
      // Two replicas miss different writes, so each holds versions the other lacks.
      const [first, second] = ctx.rng.shuffle(sim.nodeIds) as [NodeId, NodeId];
      const acked = new Map<string, Version["stamp"]>();
      const keys = Array.from({ length: 30 }, (_, i) => `item${i}`);
      const write = async (batch: readonly string[], value: string) => {
        for (const key of batch)
          acked.set(key, (await putAcked(ctx, sim, c, key, `${key}:${value}`)).context?.stamp as Version["stamp"]);
      };
      let written = false;
      sim.spawn("workload", async () => {
        await write(keys.slice(0, 20), "v1");
        await c.sleep(50);
        sim.crash(first);
        ctx.log(`${first} is down: item0-9 are overwritten, item20-24 written (${describeConfig(config)})`);
        await write([...keys.slice(0, 10), ...keys.slice(20, 25)], "v2");
        sim.restart(first);
        sim.crash(second);
        ctx.log(`${first} is back, ${second} is down: item5-14 are overwritten, item25-29 written`);
        await write([...keys.slice(5, 15), ...keys.slice(25)], "v3");
        written = true;
      });
      await sim.runUntil(() => written, { maxMs: 10_000 });
      ctx.check(written, "puts are acknowledged", "the writes did not finish within 10 s");
      // Back on a lossy network: exchanges are cut short and must start over.
      sim.restart(second);
      sim.setFaults({ drop: 0.1 });
      const healedAt = sim.now;
      const converged = () => missingAcked(sim, acked, 3) === undefined && disagreement(sim, keys, 3) === undefined;
      await sim.require(
        converged,
        () =>
          `after ${first} and then ${second} missed writes, without any read, every replica should hold the newest acknowledged version of every key (${describeConfig(config)}, 10% loss): ${missingAcked(sim, acked, 3) ?? disagreement(sim, keys, 3)}`,
        4_000,
      );
      ctx.metric("convergence after the last restart", sim.now - healedAt, "ms");
    },
  },
  {
    part: "E",
    name: "anti-entropy moves only what differs",
    points: 3,
    bonus: true,
    seeds: 3,
    hints: [
      "Compare the roots first; for every node whose hash differs, compare only its children, level by level; at the leaves compare key digests and ship only the keys whose digests differ.",
      "An exchange that ships a whole range when the roots differ is correct but costs O(n) per difference: here 1000 keys, 8 of them differ, and at most 4 entries per differing key may move.",
      "Descend only into differing children: a subtree with an equal hash holds the same keys and versions. Hashes per exchange should be about FANOUT x DEPTH per differing key, not the size of the tree.",
      "Once the replicas agree their roots must be equal, so exchanges stop after the root hash: a write has to invalidate every node on its leaf-to-root path, the root included.",
    ],
    async run(ctx) {
      const config: Partial<Config> = { ...SYNC_ONLY, mode: "lww" };
      const sim = cluster(ctx, {
        nodes: 3,
        clients: 4,
        config,
        faults: { delay: { kind: "uniform", min: 1, max: 4 } },
      });
      const log: Recorded[] = [];
      const clients = sim.clientIds.map((id) => new KvClient(sim, id, log));
      const total = 1000;
      const keys = Array.from({ length: total }, (_, i) => `key${i}`);
      const cut = ctx.rng.pick(sim.nodeIds);
      const others = sim.nodeIds.filter((n) => n !== cut);
      // The 8 differences: 4 overwrites, 3 new keys, 1 delete, all while `cut` is cut off.
      const changed = [...ctx.rng.shuffle(keys.slice()).slice(0, 5), "new0", "new1", "new2"];
      const deleted = changed[4] as string;
      let stage = 0;
      sim.spawn("preload", async () => {
        await Promise.all(
          clients.map(async (c, i) => {
            for (let k = i; k < total; k += clients.length)
              await c.put(sim.nodeIds[k % sim.nodeIds.length] as NodeId, keys[k] as string, `v${k}`);
          }),
        );
        stage = 1;
      });
      await sim.runUntil(() => stage === 1, { maxMs: 20_000 });
      await sim.runFor(300);
      const failed = log.filter((r) => !r.ok);
      ctx.check(
        stage === 1 && failed.length === 0,
        "puts are acknowledged",
        () =>
          `preloading ${total} keys: ${failed.length} puts got no answer, first: ${failed[0] ? describeOp(failed[0]) : "the preload did not finish"}`,
      );
      ctx.check(
        disagreement(sim, keys, 3) === undefined,
        "replicas agree before the test",
        () => `after preloading ${total} keys with no faults: ${disagreement(sim, keys, 3)}`,
      );
      // Watched from here on: reading every message of the preload would only slow the grader.
      const traffic = watchAntiEntropy(sim, false);
      sim.isolate(cut);
      const c = clients[0] as KvClient;
      sim.spawn("differences", async () => {
        for (const key of changed) {
          const via = ctx.rng.pick(others);
          if (key === deleted) await c.delete(via, key);
          else await c.put(via, key, `${key}:while ${cut} was cut off`);
        }
        stage = 2;
      });
      await sim.runUntil(() => stage === 2, { maxMs: 5_000 });
      ctx.check(
        log.every((r) => r.ok),
        "puts are acknowledged",
        () => `with ${cut} cut off and W=2: ${describeOp(log.find((r) => !r.ok) as Recorded)}`,
      );
      sim.reconnect(cut);
      traffic.reset();
      const healedAt = sim.now;
      await sim.require(
        () => disagreement(sim, changed, 3) === undefined,
        () =>
          `after ${cut} reconnected, the ${changed.length} keys written while it was cut off reach it (no reads, ${describeConfig(config)}): ${disagreement(sim, changed, 3)}`,
        3_000,
      );
      const d = changed.length;
      const spent = { ...traffic };
      ctx.metric("convergence after heal", sim.now - healedAt, "ms");
      ctx.metric("entries transferred", spent.entries);
      ctx.metric("hashes and digests compared", spent.hashes);
      ctx.metric("sync messages", spent.messages);
      ctx.log(`${d} of ${total + 3} keys differ; until they converged: ${traffic.text()}`);
      const entryBound = 4 * d;
      const hashBound = 4 * d * Math.ceil(Math.log2(total));
      ctx.check(
        spent.entries <= entryBound,
        "anti-entropy ships only differing entries",
        () =>
          `${d} keys of ${total + 3} differed on ${cut}; converging shipped ${spent.entries} entries (bound ${entryBound} = 4 x ${d}): compare down to the differing leaves and key digests instead of sending a whole range`,
      );
      ctx.check(
        spent.hashes <= hashBound,
        "anti-entropy compares O(d log n) hashes",
        () =>
          `${d} keys of ${total + 3} differed on ${cut}; converging compared ${spent.hashes} hashes and digests (bound ${hashBound} = 4 x ${d} x log2 ${total}): descend only into children of nodes whose hashes differ`,
      );
      ctx.check(
        disagreement(sim, keys, 3) === undefined,
        "replicas agree after anti-entropy",
        () => `${disagreement(sim, keys, 3)}`,
      );
      // In sync, every exchange ends at its root: equal roots, no answer. (A root hash that a
      // write did not invalidate, or digests that differ for the same versions, keep exchanges
      // going forever.)
      await sim.runFor(200);
      traffic.reset();
      await sim.runFor(600);
      ctx.check(
        traffic.beyondRoots === 0,
        "anti-entropy stops at equal roots",
        () =>
          `every replica holds the same versions of every key, yet in 600 ms ${traffic.beyondRoots} sync messages went past the root (${traffic.text()}): once two replicas agree, their roots must be equal and the exchange must stop there (is every tree node on a changed key's path recomputed, the root included?)`,
      );
    },
  },
  {
    part: "E",
    name: "tombstones are synchronized and deletes do not resurrect",
    points: 2,
    bonus: true,
    seeds: 4,
    hints: [
      "A tombstone is a version: it has a digest like any other and is part of the tree. A replica that never saw the key must still receive the tombstone.",
      "If the tree leaves tombstones out, a deleted key looks the same as a key never written, and a replica that missed the delete keeps the old value forever.",
      "Entries from a peer go through storeVersions (reconcile): an old value arriving from a replica that missed the delete must lose against the tombstone.",
    ],
    async run(ctx) {
      for (const mode of ["lww", "vv"] as const) {
        const config: Partial<Config> = { ...SYNC_ONLY, mode };
        const sim = cluster(ctx, {
          nodes: 3,
          clients: 1,
          config,
          faults: { delay: { kind: "uniform", min: 1, max: 8 } },
        });
        watchAntiEntropy(sim, mode === "vv");
        const log: Recorded[] = [];
        const c = new KvClient(sim, "c1", log);
        const missed = ctx.rng.pick(sim.nodeIds);
        const [p, q] = sim.nodeIds.filter((n) => n !== missed) as [NodeId, NodeId];
        let done = false;
        sim.spawn("workload", async () => {
          await c.put(ctx.rng.pick(sim.nodeIds), "gone", "old value");
          await c.sleep(50);
          sim.isolate(missed);
          // vv: a delete needs the context of what it deletes (a get; no repair is on).
          const read = await c.get(p, "gone");
          await c.delete(q, "gone", read.context);
          const put = await c.put(p, "never-seen", "short-lived");
          await c.delete(q, "never-seen", put.context);
          done = true;
        });
        await sim.runUntil(() => done, { maxMs: 5_000 });
        ctx.check(
          done && log.every((r) => r.ok),
          "requests finish",
          () => `${configText(config)}: ${log.map(describeOp).join("; ")}`,
        );
        sim.reconnect(missed);
        const keys = ["gone", "never-seen"];
        const tombstonesOnly = () =>
          keys.every((k) =>
            sim.nodeIds.every((n) => {
              const v = stored(sim, n, k) ?? [];
              return v.length > 0 && v.every((x) => x.value === null);
            }),
          );
        await sim.require(
          () => tombstonesOnly() && disagreement(sim, keys, 3) === undefined,
          () =>
            `${describeConfig(config)}: ${missed} missed the deletes of gone and never-seen; after it reconnected every replica should hold only the tombstones. ${keys.map((k) => sim.nodeIds.map((n) => `${n} ${k}: ${versionsText(stored(sim, n, k) ?? [])}`).join("; ")).join("; ")}`,
          2_000,
        );
      }
    },
  },
  {
    part: "E",
    name: "concurrent siblings survive anti-entropy",
    points: 2,
    bonus: true,
    seeds: 4,
    hints: [
      "In vv mode a key may hold several siblings; its digest covers all of them, so replicas with different siblings differ.",
      "Merging a peer's entry is a store like any other: reconcile keeps every version no other one dominates. Do not pick one by stamp.",
      "After merging, answer with your own entry of a wanted key whenever it differs from what the peer sent, so both sides end with the union of siblings.",
    ],
    async run(ctx) {
      const config: Partial<Config> = { ...SYNC_ONLY, mode: "vv", w: 1, r: 1 };
      const sim = cluster(ctx, {
        nodes: 3,
        clients: 2,
        config,
        faults: { delay: { kind: "uniform", min: 1, max: 6 } },
      });
      watchAntiEntropy(sim, true);
      const log: Recorded[] = [];
      const [left, right] = sim.clientIds.map((id) => new KvClient(sim, id, log)) as [KvClient, KvClient];
      const alone = ctx.rng.pick(sim.nodeIds);
      const rest = sim.nodeIds.filter((n) => n !== alone);
      const keys = Array.from({ length: 4 }, (_, i) => `doc${i}`);
      let done = false;
      sim.spawn("workload", async () => {
        sim.partition([alone], rest);
        await Promise.all([
          (async () => {
            for (const k of keys) await left.put(alone, k, `${k} from ${alone}'s side`);
          })(),
          (async () => {
            for (const k of keys) await right.put(ctx.rng.pick(rest), k, `${k} from ${rest.join("+")}'s side`);
          })(),
        ]);
        done = true;
      });
      await sim.runUntil(() => done, { maxMs: 5_000 });
      ctx.check(
        done && log.every((r) => r.ok),
        "requests finish",
        () =>
          `${configText(config)}: ${log
            .filter((r) => !r.ok)
            .map(describeOp)
            .join("; ")}`,
      );
      sim.heal();
      const bothSiblings = () =>
        keys.every((k) =>
          sim.nodeIds.every((n) => (stored(sim, n, k) ?? []).filter((v) => v.value !== null).length === 2),
        );
      await sim.require(
        () => bothSiblings() && disagreement(sim, keys, 3) === undefined,
        () =>
          `${describeConfig(config)}: each key was written on both sides of a partition; after heal, without reads, every replica should hold both siblings. ${keys.map((k) => sim.nodeIds.map((n) => `${n} ${k}: ${versionsText(stored(sim, n, k) ?? [])}`).join("; ")).join("; ")}`,
        2_000,
      );
    },
  },
];
