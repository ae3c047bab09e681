/**
 * Part E (bonus, points on top of the 100): leader leases for reads. Three LeaseLeader replicas
 * compete for the lock of the learner's Part A lock server; the holder is the leader, writes
 * through the grader's register store (which fences tokens and keeps true time) and answers
 * reads from its own copy while its lease lasts. Grader clients read from every replica and write
 * through whichever is leader. Checked from the wire: no read answered after the reader's lease
 * ended on the lock server's clock, every read returns the latest write completed before it
 * began (or a concurrent one), and while all is calm the leader keeps its lease, serves reads and
 * acknowledges writes.
 */
import type { Scenario } from "@faultline/grading";
import {
  CLOCK_DRIFT_BOUND,
  DRIFT_WINDOW_MS,
  LEASE_TTL_MS,
  LOCK_SERVER,
  REPLICAS,
  STORAGE,
} from "@faultline/lab-lease-lock";
import { fmt, type NodeId } from "@faultline/sim";
import type { Ctx, L, Sim } from "./props.ts";
import { LeaseWatch, messageOf } from "./watch.ts";
import { leaseCluster } from "./cluster.ts";

/** A client operation as the client saw it, in true time. */
export interface Op {
  client: NodeId;
  replica: NodeId;
  kind: "get" | "put";
  value: string;
  call: number;
  /** Undefined: no answer (a put may or may not have happened). */
  ret: number | undefined;
}

/** One application of a value by the store: its place in the store's order, and when it answered `saved`. */
export interface Applied {
  version: number;
  t: number;
}

/**
 * Every read against the writes, in real-time order: a read may return the latest write
 * completed before it began, or one concurrent with it, never an older one; and never a value
 * older than one an earlier read (finished before it began) returned. Write order is the store's,
 * which applies each write at one instant within its call and its answer. A put the network
 * duplicated is applied again, later: a put stands for its first application, and a read for
 * whichever application of its value before the read's answer fits best.
 */
export function staleRead(ops: readonly Op[], applied: ReadonlyMap<string, readonly Applied[]>): string | undefined {
  const done = ops.filter((o) => o.ret !== undefined) as Array<Op & { ret: number }>;
  const puts = done.filter((o) => o.kind === "put");
  const gets = done.filter((o) => o.kind === "get").sort((a, b) => a.call - b.call);
  const putVersion = (o: Op) => applied.get(o.value)?.[0]?.version ?? -1;
  // The applications of a read's value the store had made by the read's answer: it stands for one of them.
  const readVersions = (o: Op & { ret: number }) =>
    (applied.get(o.value) ?? []).filter((a) => a.t <= o.ret).map((a) => a.version);
  for (const g of gets) {
    const mine = readVersions(g);
    const got = mine.length > 0 ? Math.max(...mine) : undefined;
    if (got === undefined)
      return applied.has(g.value)
        ? `${g.replica} answered ${g.client}'s get at t=${fmt(g.ret)} ms with "${g.value}", which the store had not yet written`
        : `${g.replica} answered ${g.client}'s get at t=${fmt(g.ret)} ms with "${g.value}", which nobody wrote`;
    for (const p of puts) {
      const pv = putVersion(p);
      if (p.ret < g.call && pv > got) {
        return `${g.replica} answered ${g.client}'s get (sent at t=${fmt(g.call)} ms) with "${g.value}" (write #${got}), but "${p.value}" (write #${pv}, through ${p.replica}) had been acknowledged at t=${fmt(p.ret)} ms, before the get began: a stale read. A leader answers from its copy only while no other replica can have become leader, and its copy holds the store's newest write it knows of`;
      }
    }
    for (const h of gets) {
      const hv = Math.min(...readVersions(h));
      if (h.ret < g.call && hv > got) {
        return `${g.replica} answered ${g.client}'s get (sent at t=${fmt(g.call)} ms) with "${g.value}" (write #${got}), but ${h.replica} had already answered "${h.value}" (write #${hv}) at t=${fmt(h.ret)} ms: a read went back in time`;
      }
    }
  }
  return undefined;
}

/**
 * The store's order of writes, from the wire: each application of a `save` it received, numbered
 * in the order it answered `saved` ("" is the initial value, number 0, at t=0).
 */
function watchVersions(sim: Sim): Map<string, Applied[]> {
  const applied = new Map<string, Applied[]>([["", [{ version: 0, t: 0 }]]]);
  const saves = new Map<string, string>();
  let n = 0;
  sim.onEvent((e) => {
    if (e.kind === "deliver" && e.node === STORAGE && e.peer !== undefined) {
      const m = messageOf(e);
      if (m?.type === "save") saves.set(`${e.peer}:${m.id}`, m.value);
    } else if (e.kind === "send" && e.node === STORAGE && e.peer !== undefined) {
      const m = messageOf(e);
      const value = m?.type === "saved" ? saves.get(`${e.peer}:${m.id}`) : undefined;
      if (value === undefined) return;
      const list = applied.get(value) ?? [];
      list.push({ version: ++n, t: e.t });
      applied.set(value, list);
    }
  });
  return applied;
}

/**
 * No replica answers a read after its lease ended by the lock server's clock: from its grants and
 * renewals as the lock server sent them. Records the time of every local read per replica.
 */
function watchLeaseReads(sim: Sim, leases: LeaseWatch): Map<NodeId, number[]> {
  const served = new Map<NodeId, number[]>(REPLICAS.map((r) => [r, []]));
  let violation: string | undefined;
  sim.onEvent((e) => {
    if (e.kind !== "send" || !REPLICAS.includes(e.node ?? "") || violation) return;
    const m = messageOf(e);
    if (m?.type !== "value") return;
    const r = e.node as NodeId;
    served.get(r)?.push(e.t);
    const now = sim.localTime(LOCK_SERVER);
    const mine = leases.grants.filter((l) => l.holder === r);
    if (!mine.some((l) => l.expiresAt > now)) {
      const last = mine[mine.length - 1];
      violation = last
        ? `${r} answered a read from its copy at t=${fmt(e.t)} ms (true time), but its lease (token ${last.token}) had ended at ${fmt(last.expiresAt)} ms on the lock server's clock, now ${fmt(now)} ms: another replica may lead and have written. Count the lease from when you SENT acquire/renew, keep the margin for drift, and stop when it ends`
        : `${r} answered a read from its copy at t=${fmt(e.t)} ms but was never granted the lock: only the leader, under its lease, answers reads`;
    }
  });
  sim.addInvariant("reads only under a running lease", () => violation);
  return served;
}

interface Workload {
  ops: Op[];
  stop(): void;
}

/**
 * Each reader asks its replica every few ms; two writers write distinct values through whichever
 * replica leads, each waiting for its answer, so a leader often has two saves in flight at once.
 */
function workload(sim: Sim): Workload {
  const ops: Op[] = [];
  let running = true;
  let reqId = 0;
  let n = 0;
  const readers = sim.clientIds.slice(0, REPLICAS.length);
  const writers = sim.clientIds.slice(REPLICAS.length, REPLICAS.length + 2);
  readers.forEach((c, i) => {
    const replica = REPLICAS[i] as NodeId;
    void sim.spawn(`reader ${c}`, async () => {
      const end = sim.client(c);
      while (running) {
        const id = ++reqId;
        const call = sim.now;
        const r = await end.call(
          replica,
          { type: "get", id },
          (m) => (m.type === "value" || m.type === "not_leader") && m.id === id,
          100,
        );
        if (r?.type === "value") ops.push({ client: c, replica, kind: "get", value: r.value, call, ret: sim.now });
        await end.sleep(4);
      }
    });
  });
  writers.forEach((w, i) => {
    void sim.spawn(`writer ${w}`, async () => {
      const end = sim.client(w);
      let target = i;
      while (running) {
        const replica = REPLICAS[target] as NodeId;
        const id = ++reqId;
        const value = `v${++n}`;
        const op: Op = { client: w, replica, kind: "put", value, call: sim.now, ret: undefined };
        ops.push(op);
        const r = await end.call(
          replica,
          { type: "put", id, value },
          (m) => (m.type === "put_ok" || m.type === "not_leader") && m.id === id,
          100,
        );
        if (r?.type === "put_ok") op.ret = sim.now;
        else target = (target + 1) % REPLICAS.length;
        // The two writers drift in and out of step, so their saves overlap at varying offsets.
        await end.sleep(r?.type === "put_ok" ? 12 + 3 * i : 5);
      }
    });
  });
  return {
    ops,
    stop: () => {
      running = false;
    },
  };
}

/** Set up, run `script`, then judge every read. */
async function leasedReads(
  ctx: Ctx,
  script: (sim: Sim, leases: LeaseWatch, served: Map<NodeId, number[]>, ops: readonly Op[]) => Promise<void>,
): Promise<{ sim: Sim; ops: Op[] }> {
  const sim = leaseCluster(ctx);
  const versions = watchVersions(sim);
  const leases = new LeaseWatch(sim);
  const served = watchLeaseReads(sim, leases);
  const load = workload(sim);
  await script(sim, leases, served, load.ops);
  load.stop();
  await sim.runFor(200);
  const gets = load.ops.filter((o) => o.kind === "get").length;
  ctx.metric("reads served locally", gets);
  const stale = staleRead(load.ops, versions);
  ctx.check(stale === undefined, "reads are linearizable", () => stale as string);
  return { sim, ops: load.ops };
}

/** The current leader by the lock server's answers, once it has been one for `settleMs`. */
async function leaderNow(ctx: Ctx, sim: Sim, leases: LeaseWatch, what: string): Promise<NodeId> {
  let leader: NodeId | undefined;
  await sim.runUntil(
    () => {
      const l = leases.current();
      leader = l && REPLICAS.includes(l.holder) && sim.isUp(l.holder) ? l.holder : undefined;
      return leader !== undefined;
    },
    { maxMs: 4 * LEASE_TTL_MS },
  );
  if (leader === undefined)
    ctx.fail(
      "a leader is elected",
      `${what}: for ${4 * LEASE_TTL_MS} ms (until t=${fmt(sim.now)} ms) no replica held the lock, although replicas without a lease keep asking for it`,
    );
  return leader;
}

/**
 * Crash the current leader and wait for the lock server to grant the lock to another replica:
 * returns the new leader the moment its grant is sent (it has not arrived yet). The old leader is
 * restarted a lease later.
 */
async function newLeader(ctx: Ctx, sim: Sim, leases: LeaseWatch, what: string): Promise<NodeId> {
  const old = await leaderNow(ctx, sim, leases, what);
  const n = leases.grants.length;
  sim.crash(old);
  ctx.log(`crashed the leader ${old}`);
  sim.after(LEASE_TTL_MS + 200, `restart ${old}`, () => sim.restart(old));
  await sim.runUntil(() => leases.grants.length > n, { maxMs: 4 * LEASE_TTL_MS });
  const g = leases.grants[n];
  if (g === undefined)
    ctx.fail(
      "a leader is elected",
      `${what}: for ${4 * LEASE_TTL_MS} ms after ${old} crashed (until t=${fmt(sim.now)} ms) no replica was granted the lock, although replicas without a lease keep asking for it`,
    );
  return g.holder;
}

/** Whether the lock server has renewed `holder`'s latest lease. */
function renewedTo(leases: LeaseWatch, holder: NodeId): boolean {
  const g = leases.current();
  return g !== undefined && g.holder === holder && g.expiresAt > g.grantedAt + LEASE_TTL_MS;
}

/** Cut `leader` off from the lock server (both ways) for `ms`, while clients still reach it. */
async function cutFromLock(ctx: Ctx, sim: Sim, leader: NodeId, ms: number): Promise<void> {
  sim.blockOneWay(leader, LOCK_SERVER);
  sim.blockOneWay(LOCK_SERVER, leader);
  ctx.log(`${leader} (the leader) is cut off from the lock server; clients still reach it`);
  await sim.runFor(ms);
  sim.unblockOneWay(leader, LOCK_SERVER);
  sim.unblockOneWay(LOCK_SERVER, leader);
}

/** Replicas' clocks: random offsets, drifts within ±`drift`. */
function replicaClocks(ctx: Ctx, sim: Sim, drift: (r: NodeId) => number): void {
  for (const r of REPLICAS) sim.setClock(r, { offset: ctx.rng.int(100_000), drift: drift(r) });
}

/** Reads a leader must answer in a calm second (its reader asks every few milliseconds). */
const CALM_READS_PER_S = 40;
/** Writes a leader must acknowledge in a calm second (each writer writes 12-15 ms after each put_ok). */
const CALM_WRITES_PER_S = 10;

/** Reads a leader must answer between its grant and its cut when the lock server's answers are slow. */
const SLOW_GRANT_READS = 20;

/** Puts acknowledged so far. */
function acknowledged(ops: readonly Op[]): number {
  return ops.filter((o) => o.kind === "put" && o.ret !== undefined).length;
}

export const partE: Array<Scenario<L>> = [
  {
    part: "E",
    name: "leased reads are served, and fresh across leaders",
    points: 4,
    bonus: true,
    seeds: 3,
    hints: [
      "The replica the lock server granted is the leader. On every grant, load the register from the store with your token before you answer anything: another leader may have written since you last held the lock.",
      "Answer a get from your copy while you hold a loaded lease, now < sentAt + ttlMs - margin, and your clock's measured rate is within CLOCK_DRIFT_BOUND; renew when half the lease is left, so that in calm weather reads never stop.",
      `Measure your rate from the store's time_is answers over at least DRIFT_WINDOW_MS (${DRIFT_WINDOW_MS} ms) of reference time; until then, serve no local read.`,
    ],
    async run(ctx) {
      await leasedReads(ctx, async (sim, leases, served, ops) => {
        replicaClocks(ctx, sim, () => (ctx.rng.int(101) - 50) / 1000);
        sim.setFaults({ drop: 0, duplicate: 0.05, copies: 2, delay: { kind: "uniform", min: 1, max: 5 } });
        for (let round = 0; round < 2; round++) {
          const leader = await leaderNow(ctx, sim, leases, `round ${round + 1}`);
          const token = leases.current()?.token;
          const grants = leases.grants.length;
          await sim.runFor(DRIFT_WINDOW_MS + 500);
          const from = sim.now;
          const acked = acknowledged(ops);
          await sim.runFor(1000);
          const n = (served.get(leader) ?? []).filter((t) => t >= from).length;
          const writes = acknowledged(ops) - acked;
          ctx.metric(`writes acknowledged in a calm second (round ${round + 1})`, writes);
          ctx.check(
            writes >= CALM_WRITES_PER_S,
            "writes are acknowledged while the lease runs",
            () =>
              `the writers' puts through ${leader} (the leader all through t=${fmt(from)}..${fmt(sim.now)} ms, no fault) got only ${writes} put_ok (at least ${CALM_WRITES_PER_S} expected: each of the two writers writes again 12-15 ms after each answer). Answer put_ok to the client once the store answers saved`,
          );
          const regranted = leases.grants.slice(grants);
          ctx.check(
            regranted.length === 0,
            "the leader renews its lease",
            () =>
              `${leader} was granted token ${token} and stayed up, with clocks within the bound and no fault, yet the lock server granted ${regranted.map((g) => `token ${g.token} to ${g.holder}`).join(", ")} before t=${fmt(sim.now)} ms: the lease ran out. Renew when half of it is left, so that a leader keeps the lock (and its reads) as long as it is up`,
          );
          const says = sim.isUp(leader) ? sim.node<{ servingReads(): boolean }>(leader)?.servingReads() : undefined;
          ctx.metric(`reads served by the leader in a calm second (round ${round + 1})`, n);
          ctx.check(
            n >= CALM_READS_PER_S,
            "reads are served while the lease runs",
            () =>
              `${leader} held the lock all through t=${fmt(from)}..${fmt(sim.now)} ms with clocks within the bound and no fault, but answered only ${n} reads (at least ${CALM_READS_PER_S} expected: a reader asks every few ms; its servingReads() now says ${String(says)}). Renew before the lease runs out, and answer gets while now < sentAt + ttlMs - margin`,
          );
          sim.crash(leader);
          ctx.log(`crashed the leader ${leader}`);
          // Down past its lease: the next leader is another replica, which must load first.
          await sim.runFor(LEASE_TTL_MS + 200);
          sim.restart(leader);
        }
        await sim.runFor(LEASE_TTL_MS);
      });
    },
  },
  {
    part: "E",
    name: "a cut-off leader stops reading before its lease ends",
    points: 3,
    bonus: true,
    seeds: 3,
    hints: [
      "The leader is cut off from the lock server: its renewals are lost. The lock server's clock runs 10% fast and the leader's 8% slow (within the bound), so the lease ends at the server long before the leader's clock says so, and another replica becomes leader and writes.",
      "Stop answering reads at sentAt + ttlMs - margin, margin = 2 * CLOCK_DRIFT_BOUND * ttlMs (+2 ms): the server's clock may run that much fast and yours that much slow. And stop because of time: with renewals lost, no message will tell you the lease is over.",
    ],
    async run(ctx) {
      await leasedReads(ctx, async (sim, leases) => {
        sim.setClock(LOCK_SERVER, { offset: ctx.rng.int(100_000), drift: CLOCK_DRIFT_BOUND * 0.99 });
        replicaClocks(ctx, sim, () => -0.08);
        sim.setFaults({ drop: 0, duplicate: 0, delay: { kind: "uniform", min: 1, max: 4 } });
        for (let round = 0; round < 2; round++) {
          const leader = await leaderNow(ctx, sim, leases, `round ${round + 1}`);
          await sim.runFor(DRIFT_WINDOW_MS + 300 + ctx.rng.int(300));
          await cutFromLock(ctx, sim, leader, 2 * LEASE_TTL_MS);
        }
      });
    },
  },
  {
    part: "E",
    name: "slow grants shorten the lease",
    points: 2,
    bonus: true,
    seeds: 3,
    hints: [
      "The lock server's answers take 250 to 400 ms to reach the replicas. The lease started on the server when it answered, long before the answer arrived: count it from when you SENT acquire or renew.",
      "Count it from the send the server answered. If you re-send a request with the same id, the answer may be to an earlier copy (a duplicate acquire is answered with the same grant, and a renewal may never have arrived): keep the send time of the first copy, or give every send its own id.",
      "Later rounds slow the lock server's answers past a whole lease: a renewed may come back after your lease has ended by your clock. Ignore it without failing (there is no lease to extend).",
    ],
    async run(ctx) {
      await leasedReads(ctx, async (sim, leases, served) => {
        replicaClocks(ctx, sim, () => 0);
        sim.setFaults({ drop: 0, duplicate: 0, delay: { kind: "uniform", min: 1, max: 4 } });
        for (const r of REPLICAS) sim.setLinkFaults(LOCK_SERVER, r, { delay: { kind: "uniform", min: 250, max: 400 } });
        ctx.log("the lock server's answers take 250-400 ms");
        for (let round = 0; round < 2; round++) {
          const leader = await leaderNow(ctx, sim, leases, `round ${round + 1}`);
          const from = sim.now;
          await sim.runFor(DRIFT_WINDOW_MS + 300 + ctx.rng.int(300));
          const n = (served.get(leader) ?? []).filter((t) => t >= from).length;
          ctx.metric(`reads served by the leader before it is cut off (round ${round + 1})`, n);
          ctx.check(
            n >= SLOW_GRANT_READS,
            "reads are served although grants are slow",
            () =>
              `the lock server granted ${leader} the lock at t=${fmt(from)} ms; until t=${fmt(sim.now)} ms, when it was cut off, it answered only ${n} reads (at least ${SLOW_GRANT_READS} expected). A grant or renewal that arrives 250-400 ms after you sent the request still counts: remember when you sent it until its answer comes`,
          );
          await cutFromLock(ctx, sim, leader, 2 * LEASE_TTL_MS);
        }
        // Round 3: the new leader's requests to the lock server are lost from the moment it is
        // granted; its grant still arrives, late. Its lease runs from the acquire the server
        // answered, not from a later copy of it.
        let leader = await newLeader(ctx, sim, leases, "round 3");
        sim.blockOneWay(leader, LOCK_SERVER);
        ctx.log(`${leader}'s requests to the lock server are lost from its grant on (the answers still come)`);
        await sim.runFor(2 * LEASE_TTL_MS);
        sim.unblockOneWay(leader, LOCK_SERVER);
        // Round 4: the same from the server's first renewal of the new leader's lease: the renewal
        // it answered counts, not a later one that never arrived.
        leader = await newLeader(ctx, sim, leases, "round 4");
        await sim.runUntil(() => renewedTo(leases, leader), { maxMs: LEASE_TTL_MS });
        sim.blockOneWay(leader, LOCK_SERVER);
        ctx.log(`${leader}'s requests to the lock server are lost from its first renewal on`);
        await sim.runFor(2 * LEASE_TTL_MS);
        sim.unblockOneWay(leader, LOCK_SERVER);
        // Round 5: the lock server's answers to the new leader take 1.1-1.3 s, longer than the
        // lease: its renewals are answered after its lease has ended by its own clock.
        leader = await newLeader(ctx, sim, leases, "round 5");
        sim.setLinkFaults(LOCK_SERVER, leader, { delay: { kind: "uniform", min: 1100, max: 1300 } });
        ctx.log(`the lock server's answers to ${leader} now take 1.1-1.3 s`);
        await sim.runFor(2 * LEASE_TTL_MS);
        sim.setLinkFaults(LOCK_SERVER, leader, { delay: { kind: "uniform", min: 250, max: 400 } });
        await leaderNow(ctx, sim, leases, "after the last round");
      });
    },
  },
  {
    part: "E",
    name: "drift beyond the bound stops local reads",
    points: 3,
    bonus: true,
    seeds: 3,
    hints: [
      "The leader's clock starts running 45% slow, far beyond CLOCK_DRIFT_BOUND; then it is cut off from the lock server. No margin sized for the bound covers this: its lease seems to last almost twice as long as it does.",
      "Measure your clock's rate against the store's reference clock (time_is) over DRIFT_WINDOW_MS; when |rate - 1| > CLOCK_DRIFT_BOUND, stop answering reads locally (not_leader), or widen your margin by what you measured. Keep measuring all the time: the drift starts in the middle of the run.",
      "In the last round the drift starts just as the leader loses the store, so no time_is answer ever shows it: a measure is only as good as its newest sample. Stop trusting your rate when no sample has come back for a while (a fraction of DRIFT_WINDOW_MS).",
    ],
    async run(ctx) {
      await leasedReads(ctx, async (sim, leases, served) => {
        replicaClocks(ctx, sim, () => 0);
        sim.setFaults({ drop: 0, duplicate: 0, delay: { kind: "uniform", min: 1, max: 4 } });
        for (let round = 0; round < 2; round++) {
          const leader = await leaderNow(ctx, sim, leases, `round ${round + 1}`);
          await sim.runFor(DRIFT_WINDOW_MS + 200 + ctx.rng.int(300));
          sim.setClock(leader, { drift: -0.45 });
          ctx.log(`${leader}'s clock now runs 45% slow`);
          await sim.runFor(DRIFT_WINDOW_MS);
          const from = sim.now;
          await cutFromLock(ctx, sim, leader, 2 * LEASE_TTL_MS);
          ctx.metric(
            `local reads by the drifting leader while cut off (round ${round + 1})`,
            (served.get(leader) ?? []).filter((t) => t >= from).length,
          );
          sim.setClock(leader, { drift: 0 });
        }
        // Round 3: the drift starts as the leader loses the store (its reference clock) and the
        // lock server at once, just after a renewal: no sample ever shows the drift.
        const leader = await leaderNow(ctx, sim, leases, "round 3");
        await sim.runFor(DRIFT_WINDOW_MS + 200 + ctx.rng.int(300));
        await sim.runUntil(
          () => {
            const l = leases.current();
            return l?.holder === leader && l.expiresAt - sim.localTime(LOCK_SERVER) > LEASE_TTL_MS - 50;
          },
          { maxMs: LEASE_TTL_MS },
        );
        // The renewal's answer lands (delays are 1-4 ms), then the leader is cut off.
        await sim.runFor(10);
        sim.setClock(leader, { drift: -0.45 });
        sim.blockOneWay(leader, STORAGE);
        sim.blockOneWay(STORAGE, leader);
        ctx.log(`${leader}'s clock now runs 45% slow, and it can no longer reach the store (its reference clock)`);
        const from = sim.now;
        await cutFromLock(ctx, sim, leader, 2 * LEASE_TTL_MS);
        sim.unblockOneWay(leader, STORAGE);
        sim.unblockOneWay(STORAGE, leader);
        ctx.metric(
          "local reads by the drifting leader cut off from its reference clock (round 3)",
          (served.get(leader) ?? []).filter((t) => t >= from).length,
        );
        sim.setClock(leader, { drift: 0 });
        // Three leaders have lost their lease by now: each must ask for the lock again.
        const last = await leaderNow(ctx, sim, leases, "after round 3");
        // Round 4: a replica restarts alone with its clock already 45% slow, leads at once, and
        // loses the store and the lock server as soon as its load is back: it has no measure of
        // its rate yet, so it has nothing to trust its clock by.
        for (const r of REPLICAS) if (sim.isUp(r)) sim.crash(r);
        ctx.log("crashed every replica");
        await sim.runFor(2 * LEASE_TTL_MS);
        let loaded = false;
        sim.onEvent((e) => {
          if (e.kind === "deliver" && e.node === last && e.peer === STORAGE && messageOf(e)?.type === "loaded")
            loaded = true;
        });
        sim.setClock(last, { drift: -0.45 });
        sim.restart(last);
        ctx.log(`restarted ${last} alone, its clock 45% slow from its start`);
        await sim.runUntil(() => loaded, { maxMs: LEASE_TTL_MS });
        const cutAt = sim.now;
        for (const [a, b] of [
          [last, STORAGE],
          [STORAGE, last],
        ] as const)
          sim.blockOneWay(a, b);
        ctx.log(`${last} has loaded its copy, and can no longer reach the store (its reference clock)`);
        await cutFromLock(ctx, sim, last, 2 * LEASE_TTL_MS);
        sim.unblockOneWay(last, STORAGE);
        sim.unblockOneWay(STORAGE, last);
        ctx.metric(
          "local reads by a replica with no measure of its rate (round 4)",
          (served.get(last) ?? []).filter((t) => t >= cutAt).length,
        );
        sim.setClock(last, { drift: 0 });
        for (const r of REPLICAS) if (!sim.isUp(r)) sim.restart(r);
        await leaderNow(ctx, sim, leases, "after the last round");
      });
    },
  },
];
