/** Part D: sloppy quorum with hinted handoff, and deletes with tombstones. */
import type { Scenario } from "@faultline/grading";
import type { NodeId } from "@faultline/sim";
import type { Config, Hint, Version } from "@faultline/lab-quorum-kv";
import {
  cluster,
  cmpStamp,
  configText,
  descends,
  describeOp,
  hintsOf,
  KvClient,
  keyStartingAt,
  preference,
  stored,
  versionsText,
  type Impl,
  type Recorded,
  type Sim,
} from "./harness.ts";

/** Does `held` already contain (or supersede) every version in `wanted`? */
function covers(held: readonly Version[], wanted: readonly Version[], byVector: boolean): boolean {
  return wanted.every((w) => held.some((h) => (byVector ? descends(h.vv, w.vv) : cmpStamp(h.stamp, w.stamp) >= 0)));
}

/** Invariant: a hint disappears only once the replica it is for stores its versions. */
function hintsDeletedOnlyAfterDelivery(sim: Sim, byVector: boolean): void {
  let last = new Map<NodeId, Hint[]>();
  sim.addInvariant("a hint is deleted only after its replica stored it", () => {
    const now = new Map<NodeId, Hint[]>();
    for (const n of sim.nodeIds) if (sim.isUp(n)) now.set(n, hintsOf(sim, n));
    for (const [holder, before] of last) {
      const after = now.get(holder);
      if (!after) continue; // the holder crashed; its hints are on its disk
      for (const h of before) {
        if (
          covers(
            after.filter((x) => x.for === h.for && x.key === h.key).flatMap((x) => x.versions),
            h.versions,
            byVector,
          )
        )
          continue;
        const target = stored(sim, h.for, h.key);
        if (!target)
          return `${holder} deleted its hint for ${h.for} (${h.key}: ${versionsText(h.versions)}) while ${h.for} is down`;
        if (!covers(target, h.versions, byVector))
          return `${holder} deleted its hint for ${h.for} (${h.key}: ${versionsText(h.versions)}), but ${h.for} stores ${versionsText(target)}: delete a hint only when the replica acknowledged the handoff`;
      }
    }
    last = now;
    return undefined;
  });
}

export const partD: Scenario<Impl>[] = [
  {
    part: "D",
    name: "sloppy quorum writes land on fallbacks and are handed off after heal",
    points: 10,
    seeds: 6,
    hints: [
      "With sloppy: true, a replica that stays silent for fallbackAfter sends is replaced by the next node of the preference list after the first N; the store to it carries hintFor: the replica it stands in for.",
      "A fallback keeps hinted versions apart from its own data (and answers reads with them). Every handoffMs it sends each hint to its replica as a store, and deletes the hint only when that store is acknowledged.",
      "Deleting a hint when the handoff is sent loses the write if that message is lost. Keep hints on disk (sync) so a crash does not lose them either: here both fallbacks crash and restart before the handoff.",
      "A read whose replicas are all down falls back like a store does, and the fallbacks answer it with the versions their hints hold for that key.",
    ],
    async run(ctx) {
      // Both orders of versions: a hint is acknowledged by the ids of its versions (stamps in
      // lww mode, vectors in vv mode).
      for (const mode of ["lww", "vv"] as const) {
        const config: Partial<Config> = { mode, n: 3, w: 2, r: 2, sloppy: true };
        const sim = cluster(ctx, {
          nodes: 5,
          clients: 1,
          config,
          faults: { delay: { kind: "uniform", min: 1, max: 6 } },
        });
        hintsDeletedOnlyAfterDelivery(sim, mode === "vv");
        const key = keyStartingAt(ctx.rng.pick(sim.nodeIds), sim.nodeIds, "cart");
        const [p1, p2, p3, f1, f2] = preference(key, sim.nodeIds) as [NodeId, NodeId, NodeId, NodeId, NodeId];
        const log: Recorded[] = [];
        const c = new KvClient(sim, "c1", log, 1_000);
        const problems: string[] = [];
        const hinted = new Set<NodeId>();
        let stage = 0;
        sim.start();
        sim.spawn("workload", async () => {
          sim.crash(p2);
          sim.crash(p3);
          ctx.log(
            `${configText(config)}: ${key}: replicas ${p1}, ${p2}, ${p3}; fallbacks ${f1}, ${f2}. ${p2} and ${p3} are down.`,
          );
          const put = await c.put(p1, key, "v1");
          if (!put.ok)
            problems.push(
              `with ${p2} and ${p3} down, put(${key}) via ${p1} got no answer (${configText(config)}): a sloppy quorum should write to ${p1} and the fallbacks ${f1}, ${f2}`,
            );
          for (const n of [f1, f2]) for (const h of hintsOf(sim, n)) if (h.key === key) hinted.add(h.for);
          if (put.ok && hinted.size === 0)
            problems.push(`put(${key}) succeeded but neither ${f1} nor ${f2} holds a hint for ${p2} or ${p3}`);
          // A later write of another key with the same replicas: the fallbacks now hold hints of two keys.
          const other = keyStartingAt(p1, sim.nodeIds, `${key}-other`);
          await c.put(p1, other, "another key's value");
          // With every preferred replica down, only the fallbacks' hints hold the write. (First:
          // a read repair of the next read would give the fallbacks the write as their own data.)
          sim.crash(p1);
          const hintedRead = await c.get(f1, key);
          if (put.ok && problems.length === 0 && (!hintedRead.ok || hintedRead.values?.[0] !== "v1"))
            problems.push(
              `with ${p1}, ${p2} and ${p3} down, ${describeOp(hintedRead)}, expected ["v1"]: a read that falls back to ${f1} and ${f2} must be answered with the hints they hold for that key`,
            );
          sim.restart(p1);
          const read = await c.get(f1, key);
          if (put.ok && problems.length === 0 && (!read.ok || read.values?.[0] !== "v1"))
            problems.push(`while ${p2} and ${p3} are down, ${describeOp(read)}, expected ["v1"]`);
          // The fallbacks crash and restart before the handoff: hints are durable state.
          sim.crash(f1);
          sim.crash(f2);
          sim.restart(f1);
          sim.restart(f2);
          stage = 1;
        });
        await sim.runUntil(() => stage === 1, { maxMs: 3_000 });
        ctx.check(problems.length === 0, "writes succeed on fallbacks", () => problems[0] as string);
        // Heal over a lossy network: handoffs get lost and must be retried.
        sim.setFaults({ drop: 0.3 });
        sim.restart(p2);
        sim.restart(p3);
        const delivered = () =>
          [...hinted].every((n) => (stored(sim, n, key) ?? []).some((v) => v.value === "v1")) &&
          sim.nodeIds.every((n) => hintsOf(sim, n).length === 0);
        await sim.require(
          delivered,
          `${configText(config)}: hints for ${[...hinted].join(", ")} are delivered and deleted after heal`,
          2_000,
        );
        sim.setFaults({ drop: 0 });
        // Only the preferred replicas remain reachable: the write must be there.
        sim.isolate(f1);
        sim.isolate(f2);
        sim.isolate(p1);
        let last: Recorded | undefined;
        sim.spawn("read after handoff", async () => {
          last = await c.get(p2, key);
        });
        await sim.runUntil(() => last !== undefined, { maxMs: 2_000 });
        ctx.check(
          last?.ok && last.values?.[0] === "v1",
          "reads see the handed-off write",
          () =>
            `after the handoff and with ${p1}, ${f1}, ${f2} cut off, ${last ? describeOp(last) : "the get did not finish"}; ${p2}: ${versionsText(stored(sim, p2, key) ?? [])}, ${p3}: ${versionsText(stored(sim, p3, key) ?? [])}`,
        );
      }
    },
  },
  {
    part: "D",
    name: "deletes leave tombstones and do not resurrect",
    points: 8,
    seeds: 4,
    hints: [
      "A delete is a write of a tombstone (value null) with a new stamp or vector. Replicas keep it: if they forgot the key, an old copy on a replica that missed the delete would look newest and come back.",
      "A get whose newest version is a tombstone returns no values; read repair spreads the tombstone like any version.",
      "In vv mode, delete with the context of a get so the tombstone supersedes what was read.",
    ],
    async run(ctx) {
      for (const mode of ["lww", "vv"] as const) {
        const config: Partial<Config> = { mode, n: 3, w: 2, r: 2 };
        const sim = cluster(ctx, {
          nodes: 3,
          clients: 1,
          config,
          faults: { delay: { kind: "uniform", min: 1, max: 8 } },
        });
        const log: Recorded[] = [];
        const c = new KvClient(sim, "c1", log);
        const missed = ctx.rng.pick(sim.nodeIds);
        const others = sim.nodeIds.filter((n) => n !== missed);
        const problems: string[] = [];
        let finished = false;
        sim.spawn("workload", async () => {
          const put = await c.put(ctx.rng.pick(sim.nodeIds), "item", "value");
          await c.sleep(50);
          sim.isolate(missed);
          const read = await c.get(others[0] as NodeId, "item");
          const del = await c.delete(others[1] as NodeId, "item", read.context);
          sim.reconnect(missed);
          if (!put.ok || !del.ok)
            problems.push(`the put or the delete got no answer: ${log.map(describeOp).join("; ")}`);
          for (let i = 0; i < 6 && problems.length === 0; i++) {
            const g = await c.get(ctx.rng.pick(sim.nodeIds), "item");
            if (g.ok && g.values?.length !== 0)
              problems.push(
                `${configText(config)}: item was deleted (acknowledged at t=${del.ret.toFixed(1)} ms) while ${missed} was cut off; after heal ${describeOp(g)}: the deleted value came back. Replicas: ${sim.nodeIds.map((n) => `${n}: ${versionsText(stored(sim, n, "item") ?? [])}`).join("; ")}`,
              );
            await c.sleep(10);
          }
          await c.sleep(100);
          for (const n of sim.nodeIds) {
            const v = stored(sim, n, "item") ?? [];
            if (problems.length === 0 && !(v.length > 0 && v.every((x) => x.value === null)))
              problems.push(
                `${configText(config)}: after the delete and six gets with read repair, ${n} stores ${versionsText(v)}; every replica should hold only the tombstone`,
              );
          }
          finished = true;
        });
        await sim.runUntil(() => finished, { maxMs: 5_000 });
        ctx.check(finished, "requests finish", "the workload did not finish within 5 s");
        ctx.check(problems.length === 0, "a deleted key stays deleted", () => problems[0] as string);
      }
    },
  },
];
