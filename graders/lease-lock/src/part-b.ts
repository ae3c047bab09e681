/**
 * Part B: the unsafe client, seen. The grader's clients do what a lock client without fencing
 * does: acquire, check the lease, write. Some are paused between the check and the write for
 * longer than the lease, so another client acquires the lock and writes in between: two writers.
 * The auditing storage still accepts everything; it must report exactly the writes that arrived
 * after a write with a higher token. The grader knows the arrival order from the network.
 */
import type { Scenario } from "@faultline/grading";
import { LEASE_TTL_MS, STORAGE, type Overlap } from "@faultline/lab-lease-lock";
import { fmt } from "@faultline/sim";
import type { Ctx, L, Sim } from "./props.ts";
import { auditCluster, GraderClient, hostile, runUntilSettled } from "./cluster.ts";
import { watchArrivals, type Arrival } from "./watch.ts";

/** The overlaps the storage should report, from the arrivals in order. */
export function expectedOverlaps(arrivals: readonly Arrival[]): Overlap[] {
  const out: Overlap[] = [];
  let highest = 0;
  for (const a of arrivals) {
    if (a.token < highest) out.push({ token: a.token, highest, key: a.key, value: a.value });
    highest = Math.max(highest, a.token);
  }
  return out;
}

/** The values a storage should hold after applying these writes in order. */
export function expectedValues(arrivals: ReadonlyArray<Pick<Arrival, "op" | "key" | "value">>): Record<string, string> {
  const data: Record<string, string> = {};
  for (const a of arrivals) data[a.key] = a.op === "append" ? (data[a.key] ?? "") + a.value : a.value;
  return data;
}

const showOverlap = (o: Overlap) => `token ${o.token} after ${o.highest} (${o.key}=${JSON.stringify(o.value)})`;

interface StorageHook {
  overlaps(): Overlap[];
  values(): Record<string, string>;
}

/** The storage's report and values must be exactly what its arrivals imply. */
function judgeStorage(ctx: Ctx, sim: Sim, arrivals: readonly Arrival[]): void {
  const store = sim.node<StorageHook>(STORAGE);
  if (!store) ctx.fail("the storage is up", "the storage is down at the end of the run");
  const want = expectedOverlaps(arrivals);
  const got = store.overlaps();
  ctx.metric("overlapping writes", want.length);
  const same =
    got.length === want.length &&
    got.every(
      (o, i) =>
        o.token === want[i]?.token &&
        o.highest === want[i]?.highest &&
        o.key === want[i]?.key &&
        o.value === want[i]?.value,
    );
  ctx.check(same, "the storage reports exactly the overlapping writes", () => {
    const i = got.findIndex(
      (o, k) =>
        !(
          o.token === want[k]?.token &&
          o.highest === want[k]?.highest &&
          o.key === want[k]?.key &&
          o.value === want[k]?.value
        ),
    );
    const at = i < 0 ? Math.min(got.length, want.length) : i;
    return `the storage received ${arrivals.length} writes with tokens [${arrivals.map((a) => a.token).join(", ")}] (in arrival order, duplicates included); it should report ${want.length} overlap(s) [${want.map(showOverlap).join("; ")}] but reports ${got.length} [${got.map(showOverlap).join("; ")}]; the first difference is at position ${at + 1}. An overlap is a write whose token is lower than the highest token of ANY write received before it; an equal token is the same holder writing again`;
  });
  const values = store.values();
  const expected = expectedValues(arrivals);
  for (const k of new Set([...Object.keys(expected), ...Object.keys(values)])) {
    ctx.check(
      values[k] === expected[k],
      "the auditing storage applies every write",
      () =>
        `after the writes arrived in the order the network delivered them, "${k}" should hold ${JSON.stringify(expected[k])} but holds ${JSON.stringify(values[k])}: in Part B every write is applied (put replaces, append adds at the end), stale or not`,
    );
  }
}

export const partB: Array<Scenario<L>> = [
  {
    part: "B",
    name: "the storage sees two writers after a pause",
    points: 8,
    seeds: 6,
    hints: [
      "Three clients each check their lease and are then paused for different lengths of time before they write; the lock passes on meanwhile. Record every write with its token and report each one whose token is lower than the highest token received before it.",
      "Compare with the highest token of ALL earlier writes, not only the previous write: after tokens 3, 1, the write with token 2 still arrives after token 3.",
      "Every write is still applied and answered write_ok in this part: the storage sees the problem, it does not prevent it yet (that is Part C).",
    ],
    async run(ctx) {
      const sim = auditCluster(ctx, 3);
      hostile(sim, 0.1, [1, 10]);
      const arrivals = watchArrivals(sim);
      const clients = ["c1", "c2", "c3"].map((c) => new GraderClient(sim, c));
      let twoWriters = 0;
      const run = sim.spawn("unsafe clients", async () => {
        for (let round = 0; round < 2; round++) {
          // Client k acquires after the lease before it ended, checks its lease (just granted:
          // valid), and is paused for pauses[k] before writing. The last writes at once, the
          // first wakes next, then the second: token order 3, 1, 2 at the storage.
          const order = ctx.rng.shuffle(clients);
          const pauses = [LEASE_TTL_MS * 2.6, LEASE_TTL_MS * 2.2, 0].map((p) => Math.round(p + ctx.rng.int(100)));
          const writers = order.map((c, k) =>
            sim.spawn(`${c.id} checks, pauses, writes`, async () => {
              await c.sleep(k * (LEASE_TTL_MS + 150));
              const token = await c.acquireWithin(LEASE_TTL_MS, 50, 3 * LEASE_TTL_MS);
              if (token === undefined) return;
              await c.sleep(pauses[k] as number);
              const w = await c.write(
                token,
                k % 2 === 0 ? "put" : "append",
                k % 2 === 0 ? "last" : "log",
                `${c.id}@${round};`,
              );
              if (w === "ok" && pauses[k]! > LEASE_TTL_MS) {
                twoWriters++;
                ctx.log(
                  `${c.id} wrote with token ${token} ${fmt(pauses[k]!)} ms after its check: its lease had ended and the lock had passed on`,
                );
              }
            }),
          );
          await Promise.all(writers);
          await clients[0]!.sleep(LEASE_TTL_MS + 100);
        }
      });
      await runUntilSettled(ctx, sim, run, 60_000, "the unsafe clients");
      ctx.check(
        twoWriters > 0,
        "the auditing storage applies every write",
        "no paused client's write was answered write_ok: in Part B the storage applies every write",
      );
      judgeStorage(ctx, sim, arrivals);
    },
  },
  {
    part: "B",
    name: "an orderly run reports no overlap",
    points: 5,
    seeds: 5,
    hints: [
      "Here clients take turns properly: acquire, write several times (the network duplicates some writes), release. Nothing overlaps, so overlaps() must be empty.",
      "The same holder writing again, or a duplicated write, carries the same token as the highest: equal is not an overlap. Report only a token strictly lower than the highest seen.",
    ],
    async run(ctx) {
      const sim = auditCluster(ctx, 3);
      hostile(sim, 0.3, [1, 5]);
      const arrivals = watchArrivals(sim);
      const clients = ["c1", "c2", "c3"].map((c) => new GraderClient(sim, c));
      const run = sim.spawn("orderly clients", async () => {
        for (let round = 0; round < 6; round++) {
          const c = ctx.rng.pick(clients);
          const token = await c.acquireWithin(LEASE_TTL_MS, 50, 3 * LEASE_TTL_MS);
          if (token === undefined) continue;
          for (let i = 0; i < 3; i++)
            await c.write(
              token,
              i % 2 === 0 ? "append" : "put",
              i % 2 === 0 ? "log" : "last",
              `${c.id}#${round}.${i};`,
            );
          // Duplicates of the last writes may still be on their way: let them land first.
          await c.sleep(30);
          await c.ask("release", token);
        }
      });
      await runUntilSettled(ctx, sim, run, 60_000, "the orderly clients");
      judgeStorage(ctx, sim, arrivals);
    },
  },
];
