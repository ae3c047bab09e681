/** The graded tests, parts A to E: each starts three real servers and the controller. */
import type { Scenario } from "@faultline/grading";
import { lsnDiff, type NodeReport } from "@faultline/lab-pg-failover/framework";
import { NODES, sleep, type Node } from "./postgres.ts";
import { percentile } from "./workload.ts";
import { withWorld, type LabModule, type World } from "./world.ts";

type S = Scenario<LabModule>;
const LIMIT = 150_000;
/** Kill of the primary -> first write acknowledged by the new one. Detection alone is 5 checks of ~200 ms. */
export const RTO_BOUND_MS = 15_000;
/** A stale primary that comes back must stop accepting writes within this. */
export const FENCE_BOUND_MS = 8_000;

async function lsnOf(w: World, n: Node, expr: string): Promise<string> {
  const rows = await w.cluster.sql<{ l: string }>(n, `SELECT ${expr}::text AS l`);
  return rows[0]!.l;
}

function between(x: string | null, lo: string, hi: string): boolean {
  return x !== null && /^[0-9A-F]+\/[0-9A-F]+$/i.test(x) && lsnDiff(x, lo) >= 0 && lsnDiff(hi, x) >= 0;
}

/** Until `n` has replayed everything the primary had written when this was called. */
async function caughtUp(w: World, primary: Node, n: Node, ms: number): Promise<boolean> {
  const target = await lsnOf(w, primary, "pg_current_wal_lsn()");
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const r = await lsnOf(w, n, "pg_last_wal_replay_lsn()").catch(() => "0/0");
    if (lsnDiff(r, target) >= 0) return true;
    await sleep(50);
  }
  return false;
}

/** 2,000 rows written on pg1, and each of `standbys` caught up with them (a setup step). */
async function setupRows(w: World, standbys: readonly Node[]): Promise<void> {
  await w.cluster.sql("pg1", "INSERT INTO ledger SELECT g, 'setup' FROM generate_series(1, 2000) g");
  for (const s of standbys) w.ctx.check(await caughtUp(w, "pg1", s, 15_000), "setup", `${s} did not catch up with pg1`);
}

function reportOf(ctx: World["ctx"], reports: NodeReport[], n: Node): NodeReport {
  const r = reports.find((x) => x?.node === n);
  ctx.check(
    r !== undefined,
    "every server is reported",
    `observe() has no report for ${n}: ${JSON.stringify(reports)}`,
  );
  return r as NodeReport;
}

/** A reported lag is a number within the bounds of the grader's own readings. */
function lagWithin(reported: number | null | undefined, lo: number, hi: number): boolean {
  return typeof reported === "number" && reported >= lo && reported <= hi;
}

/**
 * observe()'s lag of `standby`, with the bounds the grader's own readings just before and after
 * put on it: the primary's position in [p0, p1] minus the standby's replayed one in [s0, s1].
 */
async function observedLag(w: World, standby: Node, primary: Node = "pg1") {
  const p0 = await lsnOf(w, primary, "pg_current_wal_lsn()");
  const s0 = await lsnOf(w, standby, "pg_last_wal_replay_lsn()");
  const at = performance.now();
  const reports = await w.ctl.observe();
  const p1 = await lsnOf(w, primary, "pg_current_wal_lsn()");
  const s1 = await lsnOf(w, standby, "pg_last_wal_replay_lsn()");
  const lag = reportOf(w.ctx, reports, standby).lagBytes;
  return { at, reports, lag, lo: lsnDiff(p0, s1), hi: lsnDiff(p1, s0), p0, p1, s0, s1 };
}

export const partA: S[] = [
  {
    part: "A",
    name: "roles, WAL positions and replay lag are reported",
    points: 10,
    seeds: 1,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "Ask each server pg_is_in_recovery(): false is the primary. A server that does not answer is down, now, whatever it was before.",
      "A standby's position is pg_last_wal_replay_lsn(), what its readers see; pg_last_wal_receive_lsn() is only what arrived, and with replay paused or slow the two are far apart.",
      "lagBytes = primary's pg_current_wal_lsn() - standby's replayed LSN, parsed as 64-bit numbers (hi/lo hex halves), never compared as strings.",
    ],
    async run(ctx) {
      await withWorld(
        ctx,
        {},
        async (w) => {
          const c = w.cluster;
          await setupRows(w, ["pg3"]);
          // pg3 keeps receiving WAL but stops replaying it: its readers fall behind by ~2 MB.
          await c.sql("pg3", "SELECT pg_wal_replay_pause()");
          await c.sql("pg1", "INSERT INTO ledger SELECT g, 'lag' FROM generate_series(100000, 125000) g");
          ctx.check(await caughtUp(w, "pg1", "pg2", 15_000), "setup", "pg2 did not catch up with pg1");
          // pg2 stops replaying too, ~0.5 MB later: the two standbys are behind by different
          // amounts, so a lag measured against a standby instead of the primary shows.
          await c.sql("pg2", "SELECT pg_wal_replay_pause()");
          await c.sql("pg1", "INSERT INTO ledger SELECT g, 'lag' FROM generate_series(200000, 205000) g");
          const r3 = await lsnOf(w, "pg3", "pg_last_wal_replay_lsn()");
          const p0 = await lsnOf(w, "pg1", "pg_current_wal_lsn()");
          const s2 = await lsnOf(w, "pg2", "pg_last_wal_replay_lsn()");
          const reports = await w.ctl.observe();
          const p1 = await lsnOf(w, "pg1", "pg_current_wal_lsn()");
          const s2b = await lsnOf(w, "pg2", "pg_last_wal_replay_lsn()");
          ctx.check(
            Array.isArray(reports) && reports.length === 3 && reports.every((r, i) => r?.node === NODES[i]),
            "one report per server, in order",
            () => `observe() returned ${JSON.stringify(reports)}`,
          );
          const [r1, r2, rr3] = [
            reportOf(ctx, reports, "pg1"),
            reportOf(ctx, reports, "pg2"),
            reportOf(ctx, reports, "pg3"),
          ];
          ctx.check(
            r1.role === "primary" && r2.role === "standby" && rr3.role === "standby",
            "roles are reported",
            () => `roles pg1=${r1.role} pg2=${r2.role} pg3=${rr3.role}; expected primary, standby, standby`,
          );
          ctx.check(
            between(r1.lsn, p0, p1) && r1.lagBytes === 0,
            "the primary's position is its current WAL position",
            () =>
              `pg1 reported lsn ${r1.lsn}, lag ${r1.lagBytes}; pg_current_wal_lsn() was ${p0} before and ${p1} after`,
          );
          ctx.check(
            between(r2.lsn, s2, s2b),
            "a standby's position is its replayed WAL",
            () => `pg2 reported lsn ${r2.lsn}; pg_last_wal_replay_lsn() was ${s2} before and ${s2b} after`,
          );
          const recv3 = await lsnOf(w, "pg3", "pg_last_wal_receive_lsn()");
          ctx.check(
            rr3.lsn === r3,
            "a standby's position is its replayed WAL",
            () =>
              `pg3 (replay paused) reported lsn ${rr3.lsn}; it has replayed up to ${r3} (and received up to ${recv3})`,
          );
          // A standby's lag: the primary's position (read before and after observe()) minus what
          // the standby replayed, and at least `floor` (the grader made it that far behind).
          const expectLag = (node: string, reported: number | null, replayed: [string, string], floor: number) => {
            const lo = lsnDiff(p0, replayed[0]);
            const hi = lsnDiff(p1, replayed[1]);
            ctx.check(
              lagWithin(reported, lo, hi) && lo > floor,
              "replay lag is the primary's position minus the replayed one",
              () =>
                `${node} reported lagBytes ${reported}; between ${lo} and ${hi} expected (primary ${p0}..${p1}, ${node} replayed ${replayed[0]}..${replayed[1]})`,
            );
            return lo;
          };
          ctx.metric("replay lag of the paused standby", expectLag("pg3", rr3.lagBytes, [r3, r3], 1_000_000), "bytes");
          ctx.metric("replay lag of the other standby", expectLag("pg2", r2.lagBytes, [s2, s2b], 100_000), "bytes");
          await c.sql("pg2", "SELECT pg_wal_replay_resume()");
          await c.sql("pg3", "SELECT pg_wal_replay_resume()");
          // A server that stops answering is down, whatever it was a moment ago.
          await c.stopServer("pg2", "fast");
          const after = await w.ctl.observe();
          const d2 = reportOf(ctx, after, "pg2");
          ctx.check(
            d2.role === "down" && d2.lsn === null && d2.lagBytes === null,
            "a stopped server is reported down",
            () => `pg2 was stopped; observe() reported ${JSON.stringify(d2)}`,
          );
          ctx.check(
            reportOf(ctx, after, "pg1").role === "primary" && reportOf(ctx, after, "pg3").role === "standby",
            "roles are reported",
            () => `after pg2 stopped: ${JSON.stringify(after)}`,
          );
        },
        "observe",
      );
    },
  },
  {
    part: "A",
    name: "primary() names the one writable server",
    points: 5,
    seeds: 1,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "primary() is what the clients write to: the one server whose pg_is_in_recovery() is false, learned by asking on your first tick, not assumed.",
      "pg1 is only the first primary: after a switchover it may be stopped and another server writable. A server that answers is not the primary for that: a standby answers too.",
    ],
    async run(ctx) {
      await withWorld(ctx, { durability: "sync" }, async (w) => {
        const c = w.cluster;
        // A switchover done before the controller starts: pg1 shut down, pg3 promoted, pg2
        // still in recovery. The first primary's name is no longer the primary.
        await c.stopServer("pg1", "fast");
        await c.promote("pg3");
        await w.run();
        const named: Array<Node | undefined> = [];
        const until = performance.now() + 10_000;
        let sinceNamed: number | undefined;
        while (performance.now() < until) {
          w.rethrowStub();
          const p = await w.primary();
          named.push(p);
          if (p !== undefined) sinceNamed ??= performance.now();
          // Watched for 2 s once it names a server: a later change is as wrong as a first one.
          if (sinceNamed !== undefined && performance.now() - sinceNamed > 2_000) break;
          await sleep(100);
        }
        const wrong = named.find((p) => p !== undefined && p !== "pg3");
        ctx.check(
          wrong === undefined,
          "primary() never names a standby or a stopped server",
          () =>
            `primary() named ${wrong}, ${wrong === "pg1" ? "which was shut down before your first tick" : "a standby in recovery (pg_is_in_recovery() is true there)"}; pg3 was the only writable server (primary() answered ${[...new Set(named.map(String))].join(", then ")})`,
        );
        ctx.check(
          named.at(-1) === "pg3",
          "primary() names the writable server",
          () =>
            `pg3 was the only writable server (pg1 stopped, pg2 in recovery), but primary() named ${String(named.at(-1))} at the end of the watch (${named.length} answers, 100 ms apart, over at most 10 s of ticks)`,
        );
      });
    },
  },
  {
    part: "A",
    name: "reports follow a switchover",
    points: 5,
    seeds: 1,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "The primary of a report is the server that answered pg_is_in_recovery() = false in this round: not pg1 by name, and not the first server that reports a position (a standby has one too).",
      "Between a primary's end and a promotion no server is writable: every standby's lagBytes is then null (there is nothing to measure against), and observe() still answers.",
    ],
    async run(ctx) {
      await withWorld(
        ctx,
        {},
        async (w) => {
          const c = w.cluster;
          await setupRows(w, ["pg2", "pg3"]);
          // An operator's switchover, one step at a time: pg1 shut down (no server is writable)...
          await c.stopServer("pg1", "fast");
          const outage = await w.ctl
            .observe()
            .catch((err: Error) =>
              ctx.fail(
                "observe() answers while no server is writable",
                `observe() failed with pg1 shut down and pg2, pg3 in recovery: ${err.message}`,
              ),
            );
          ctx.check(
            outage.map((r) => r?.role).join() === "down,standby,standby",
            "roles are reported",
            () => `pg1 shut down, pg2 and pg3 in recovery; observe() reported ${JSON.stringify(outage)}`,
          );
          ctx.check(
            outage.every((r) => r?.lagBytes === null),
            "no lag without a primary",
            () =>
              `with pg1 shut down no server was writable, so no lag can be measured (null), but observe() reported ${JSON.stringify(outage)}`,
          );
          // ...then pg3 promoted and written to; pg2 still follows the stopped pg1, so it falls
          // behind pg3 by what pg3 writes. pg2 is first in the list and has a position: a lag
          // measured against it, or against pg1 by name, shows.
          await c.promote("pg3");
          await c.sql("pg3", "INSERT INTO ledger SELECT g, 'after' FROM generate_series(300000, 310000) g");
          const o = await observedLag(w, "pg2", "pg3");
          const p3 = reportOf(ctx, o.reports, "pg3");
          ctx.check(
            o.reports.map((r) => r?.role).join() === "down,standby,primary",
            "roles are reported",
            () => `pg1 shut down, pg3 promoted, pg2 in recovery; observe() reported ${JSON.stringify(o.reports)}`,
          );
          ctx.check(
            between(p3.lsn, o.p0, o.p1) && p3.lagBytes === 0,
            "the primary's position is its current WAL position",
            () =>
              `pg3 (promoted) reported lsn ${p3.lsn}, lag ${p3.lagBytes}; its pg_current_wal_lsn() was ${o.p0} before and ${o.p1} after`,
          );
          ctx.check(
            lagWithin(o.lag, o.lo, o.hi) && o.lo > 100_000,
            "replay lag is the primary's position minus the replayed one",
            () =>
              `pg2 reported lagBytes ${o.lag}; between ${o.lo} and ${o.hi} expected (the primary pg3 at ${o.p0}..${o.p1}, pg2 replayed ${o.s0}..${o.s1})`,
          );
          ctx.metric("replay lag of the standby left behind", o.lo, "bytes");
        },
        "observe",
      );
    },
  },
];

/** Kill the primary under load; returns what the checks need. */
async function killAndRecover(w: World, writers: number, loadMs: number) {
  const { ctx, cluster } = w;
  const load = w.workload(writers);
  const probe = w.probe();
  await sleep(loadMs);
  ctx.check(
    load.acks.length > 0,
    "writes are acknowledged before the failure",
    () => `no write was acknowledged by pg1 in ${loadMs} ms (actions: ${w.describeActions()})`,
  );
  await cluster.crashNow("pg1");
  const killedAt = performance.now();
  // What each standby received before pg1 died (its receiver stops with the link; the
  // controller needs five failed checks, about a second, before it may promote).
  await sleep(300);
  const received = { pg2: "0/0", pg3: "0/0" };
  for (const s of ["pg2", "pg3"] as const)
    received[s] = await lsnOf(w, s, "pg_last_wal_receive_lsn()").catch(() => "0/0");
  const first = await w.waitRecovered(load, "pg1", killedAt, RTO_BOUND_MS);
  w.rethrowStub();
  ctx.check(
    first !== undefined,
    "writes recover within the bound",
    () =>
      `no write was acknowledged by a new primary within ${RTO_BOUND_MS / 1000} s of killing pg1 (the controller's actions: ${w.describeActions()})`,
  );
  const rto = (first?.at ?? killedAt) - killedAt;
  ctx.metric("RTO (kill to first acknowledged write)", Math.round(rto), "ms");
  const primary = first!.node;
  return { load, probe, rto, killedAt, recoveredAt: first!.at, primary, received };
}

export const partB: S[] = [
  {
    part: "B",
    name: "the killed primary is replaced and writes resume",
    points: 20,
    seeds: 1,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "Count consecutive failed checks of the primary; after failAfterChecks, promote a standby (cluster.promote) and make primary() return it at once: the clients ask it after every error.",
      "The other standby still streams from the dead primary's address: ALTER SYSTEM SET primary_conninfo = '<cluster.conninfo(standby, newPrimary)>', then SELECT pg_reload_conf(). Without the reload nothing changes.",
      "Keep checking every tick that each standby's primary_conninfo (SHOW primary_conninfo) is the link to your primary: a standby that was down during the failover needs it too.",
    ],
    async run(ctx) {
      await withWorld(ctx, { durability: "sync" }, async (w) => {
        await w.run();
        await w.settle(true);
        const { load, probe, primary } = await killAndRecover(w, 4, 1_500);
        const other: Node = primary === "pg2" ? "pg3" : "pg2";
        const told = await w.primary();
        ctx.check(
          told === primary,
          "clients are told the new primary",
          () => `writes succeed on ${primary} but primary() names ${String(told)}`,
        );
        const streaming = await w.cluster.waitStreaming(primary, [other], 15_000);
        ctx.check(
          streaming,
          "the remaining standby follows the new primary",
          () =>
            `${other} does not stream from the new primary ${primary} within 15 s (actions: ${w.describeActions()}; ${other}'s primary_conninfo still names another link?)`,
        );
        await sleep(1_000);
        await load.stop();
        await probe.stop();
        const split = probe.samples.find((s) => s.writable.length > 1);
        ctx.check(
          split === undefined,
          "exactly one writable primary",
          () => `clients found ${split?.writable.join(" and ")} both accepting writes`,
        );
        await w.expectNothingLost(primary, load.acks, "synchronous replication");
      });
    },
  },
  {
    part: "B",
    name: "a short stall of the primary is not a failure",
    points: 10,
    seeds: 1,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "One failed check is a slow answer, a lost packet or a busy server as often as a crash: promote only after failAfterChecks failures in a row, and start counting again after any success.",
      "A needless failover is not free: it forks the timeline, and the old primary needs a rewind to come back.",
    ],
    async run(ctx) {
      await withWorld(ctx, { durability: "sync" }, async (w) => {
        await w.run();
        await w.settle(true);
        // pg1's network blips three times for 300 ms: the controller's link and both standbys'
        // links to it are reset, so at most two checks fail and the standbys briefly lose it too.
        const links = [
          w.cluster.ctl.get("pg1")!,
          w.cluster.repl.get("pg2")!.get("pg1")!,
          w.cluster.repl.get("pg3")!.get("pg1")!,
        ];
        for (let i = 0; i < 3; i++) {
          for (const l of links) l.cut();
          await sleep(300);
          for (const l of links) l.heal();
          await sleep(1_500);
        }
        w.rethrowStub();
        const promoted = w.ctl.actions.filter((a) => a.kind === "promote");
        ctx.check(
          promoted.length === 0,
          "no failover without a failure",
          () =>
            `the controller promoted ${promoted.map((a) => a.node).join(", ")} after blips of 300 ms in a healthy pg1's network`,
        );
        ctx.check(
          (await w.primary()) === "pg1",
          "clients are told the primary",
          "primary() does not name pg1 after the blips",
        );
        // Only a second writable server is fenced: a standby that answers is left streaming.
        const acted = w.ctl.actions.filter((a) => a.kind !== "promote");
        ctx.check(
          acted.length === 0,
          "a healthy server is left running",
          () =>
            `the controller acted on servers of a healthy cluster (${w.describeActions()}): only a server that answers pg_is_in_recovery() = false and is not the primary needs fencing`,
        );
      });
    },
  },
  {
    part: "B",
    name: "a standby that was down during the failover follows the new primary",
    points: 5,
    seeds: 1,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "A failover re-points the standbys that answer; one that was down then comes back later with primary_conninfo still naming the dead primary's link.",
      "Every tick, on each standby: SHOW primary_conninfo; if it is not cluster.conninfo(standby, yourPrimary), ALTER SYSTEM SET primary_conninfo = '...' and SELECT pg_reload_conf().",
    ],
    async run(ctx) {
      // Asynchronous: with pg3 down, a synchronous pg2 would wait for a standby that is not there.
      await withWorld(ctx, { durability: "async" }, async (w) => {
        const c = w.cluster;
        await w.run();
        await w.settle(false);
        // pg3 is down for maintenance when pg1 dies: pg2 is promoted, and nobody can re-point pg3.
        await c.stopServer("pg3", "fast");
        const { load, probe, primary, recoveredAt } = await killAndRecover(w, 2, 1_000);
        ctx.check(
          primary === "pg2",
          "setup",
          `${primary} took writes after pg1 died, while pg3 was stopped (actions: ${w.describeActions()})`,
        );
        // Asynchronous: pg2 alone must keep committing, no standby to wait for.
        await sleep(2_500);
        const alone = load.acks.filter((a) => a.node === "pg2" && a.at > recoveredAt + 1_000).length;
        ctx.check(
          alone >= 5,
          "writes go on with no standby under asynchronous replication",
          () =>
            `${alone} writes were acknowledged by pg2 from 1 s to 2.5 s after its first one, while no standby was up; under durability "async" its synchronous_standby_names must be empty (actions: ${w.describeActions()})`,
        );
        const upstreamOfPg3 = () =>
          c
            .sql<{ primary_conninfo: string }>("pg3", "SHOW primary_conninfo")
            .then((r) => r[0]?.primary_conninfo ?? "")
            .catch((e: Error) => `(unreadable: ${e.message})`);
        // pg3 comes back, still configured to stream from pg1's link.
        await c.startServer("pg3");
        const follows = await c.waitStreaming("pg2", ["pg3"], 20_000);
        const conninfo = await upstreamOfPg3();
        ctx.check(
          follows,
          "a standby that comes back follows the new primary",
          () =>
            `pg3 came back after pg2's promotion and does not stream from pg2 within 20 s; its primary_conninfo is ${conninfo} (the link to pg2 is ${c.conninfo("pg3", "pg2")}; actions: ${w.describeActions()})`,
        );
        // Then, with pg3 up all along, a stale configuration points it back at pg1's link (as an
        // operator's tool might): the upkeep of every tick, not a restart, must set it right.
        await c.sql("pg3", `ALTER SYSTEM SET primary_conninfo = '${c.conninfo("pg3", "pg1")}'`);
        await c.sql("pg3", "SELECT pg_reload_conf()");
        const staleAt = performance.now();
        let upstream = "";
        while (performance.now() - staleAt < 10_000) {
          upstream = await upstreamOfPg3();
          if (upstream === c.conninfo("pg3", "pg2")) break;
          await sleep(100);
        }
        ctx.check(
          upstream === c.conninfo("pg3", "pg2") && (await c.waitStreaming("pg2", ["pg3"], 20_000)),
          "a standby's upstream is kept right at every tick",
          () =>
            `pg3, a running standby, was pointed at the dead pg1's link; 10 s later its primary_conninfo is ${upstream} (the link to pg2 is ${c.conninfo("pg3", "pg2")}), or it does not stream from pg2`,
        );
        await c.sql("pg2", "INSERT INTO ledger VALUES (-1, 'marker')");
        ctx.check(
          await caughtUp(w, "pg2", "pg3", 15_000),
          "a standby that comes back follows the new primary",
          () => `pg3 streams from pg2 but does not replay its writes within 15 s; its log:\n${c.log("pg3", 8)}`,
        );
        await load.stop();
        await probe.stop();
        const split = probe.samples.find((x) => x.writable.length > 1);
        ctx.check(
          split === undefined,
          "exactly one writable primary",
          () => `clients found ${split?.writable.join(" and ")} both accepting writes`,
        );
      });
    },
  },
];

export const partC: S[] = [
  {
    part: "C",
    name: "no acknowledged write is lost with synchronous replication",
    points: 15,
    seeds: 1,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "With synchronous_standby_names = 'ANY 1 (pg2, pg3)' on the primary (ALTER SYSTEM + reload), a commit returns only once one standby has flushed it. A new primary starts without that setting: set it there too.",
      "Only one of the two standbys needs to have a given commit: promote the one that received the most WAL (pg_last_wal_receive_lsn(), compared as numbers), not the first one you find.",
      "Compare LSNs with parseLsn: pg2 here is 600 ms behind pg3, so the first standby is the wrong one.",
    ],
    async run(ctx) {
      // Sync: pg2 lags 700 ms, pg3 100 ms each way; the kill finds pg3 ahead of pg2.
      let syncLatency = 0;
      let syncWrites = 0;
      await withWorld(ctx, { durability: "sync" }, async (w) => {
        w.cluster.repl.get("pg2")!.get("pg1")!.delay(700);
        w.cluster.repl.get("pg3")!.get("pg1")!.delay(100);
        await w.run();
        await w.settle(true);
        const { load, probe, primary, killedAt, received } = await killAndRecover(w, 8, 2_500);
        const ahead =
          lsnDiff(received.pg3, received.pg2) > 0 ? "pg3" : lsnDiff(received.pg2, received.pg3) > 0 ? "pg2" : undefined;
        ctx.check(
          ahead === undefined || primary === ahead,
          "the standby with the most WAL is promoted",
          () =>
            `${primary} was promoted, but when pg1 died ${ahead} had received more WAL (pg2 up to ${received.pg2}, pg3 up to ${received.pg3})`,
        );
        await sleep(500);
        await load.stop();
        await probe.stop();
        const before = load.acks.filter((a) => a.at < killedAt);
        syncLatency = percentile(
          before.map((a) => a.latencyMs),
          50,
        );
        syncWrites = before.length;
        await w.expectNothingLost(primary, load.acks, "synchronous replication, ANY 1");
      });
      // The same workload with asynchronous replication: shown, not graded.
      let shown = "";
      await withWorld(ctx, { durability: "async" }, async (w) => {
        w.cluster.repl.get("pg2")!.get("pg1")!.delay(700);
        w.cluster.repl.get("pg3")!.get("pg1")!.delay(100);
        await w.run();
        await w.settle(false);
        const load = w.workload(8, "async");
        await sleep(2_500);
        await w.cluster.crashNow("pg1");
        const killedAt = performance.now();
        const first = await w.waitRecovered(load, "pg1", killedAt, RTO_BOUND_MS);
        await load.stop();
        if (!first) {
          shown = "async run: no new primary within the bound, nothing to compare";
          return;
        }
        const before = load.acks.filter((a) => a.at < killedAt);
        const { lostWrites } = await import("./workload.ts");
        const lost = await lostWrites(w.cluster, first.node, before);
        shown = [
          "replication   p50 commit latency   writes acknowledged before the kill   lost at failover",
          `sync ANY 1    ${syncLatency.toFixed(1).padStart(8)} ms          ${String(syncWrites).padStart(8)}                              0`,
          `async         ${percentile(
            before.map((a) => a.latencyMs),
            50,
          )
            .toFixed(1)
            .padStart(
              8,
            )} ms          ${String(before.length).padStart(8)}                       ${String(lost.length).padStart(8)}`,
          "(standby links delayed 700 ms and 100 ms each way; 8 writers; primary SIGKILLed)",
        ].join("\n");
        ctx.metric("acknowledged writes lost with async replication", lost.length);
      });
      ctx.show(shown);
    },
  },
  {
    part: "C",
    name: "a standby that hears nothing falls behind and is not promoted",
    points: 10,
    seeds: 1,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "'ANY 1 (pg2, pg3)' lets a commit go on with whichever standby flushed it; a list that names one standby ties every commit to that one, and commits stop while it hears nothing.",
      "A standby knows only what reached it: with its link cut one way, its received and replayed positions both stand still. Its lag is the primary's position minus its replayed one.",
      "At the failover, compare what each standby received (pg_last_wal_receive_lsn(), as numbers), not what it replayed: a standby with replay paused or slow holds commits it has not applied yet, and a promotion applies them.",
    ],
    async run(ctx) {
      await withWorld(ctx, { durability: "sync" }, async (w) => {
        const c = w.cluster;
        await w.run();
        await w.settle(true);
        const load = w.workload(4);
        const probe = w.probe();
        await sleep(1_000);
        // One way: pg2 still reaches pg1 (its replies go through), but pg1's WAL and keepalives
        // to pg2 vanish. pg2 times out and connects again through the same link: nothing arrives.
        const toPg2 = c.repl.get("pg2")!.get("pg1")!;
        toPg2.cut("to-client");
        const cutAt = performance.now();
        const since = (t: number) => `${((t - cutAt) / 1000).toFixed(1)} s`;
        await sleep(1_500);
        const early = await observedLag(w, "pg2");
        await sleep(2_000);
        const late = await observedLag(w, "pg2");
        const acked = load.acks.filter((a) => a.at > cutAt + 1_000).length;
        ctx.check(
          acked >= 5,
          "writes go on while one standby hears nothing",
          () =>
            `${acked} writes were acknowledged from 1 s to ${since(performance.now())} after pg2 stopped hearing from pg1, while pg3 streamed (is pg1's synchronous_standby_names ANY 1 of both standbys?)`,
        );
        for (const o of [early, late])
          ctx.check(
            lagWithin(o.lag, o.lo, o.hi),
            "replay lag is the primary's position minus the replayed one",
            () =>
              `${since(o.at)} after pg2 stopped hearing from pg1, observe() reported its lagBytes ${o.lag}; between ${o.lo} and ${o.hi} expected (pg1 at ${o.p0}..${o.p1}, pg2 replayed ${o.s0}..${o.s1} and received nothing more)`,
          );
        ctx.metric("lag of pg2 1.5 s into its one-way cut", early.lag ?? 0, "bytes");
        ctx.metric("lag of pg2 3.5 s into its one-way cut", late.lag ?? 0, "bytes");
        toPg2.heal();
        ctx.check(
          await caughtUp(w, "pg1", "pg2", 15_000),
          "setup",
          "pg2 did not catch up with pg1 after its link healed",
        );
        // Now pg2 receives every commit but stops replaying them (as behind a long query), and a
        // second later pg3 hears nothing; 2 s after that pg1 dies. pg2 has received the most
        // WAL but replayed the least: only the received position says who holds every commit.
        await c.sql("pg2", "SELECT pg_wal_replay_pause()");
        await sleep(1_000);
        c.repl.get("pg3")!.get("pg1")!.cut("to-client");
        const cut3At = performance.now();
        await sleep(2_000);
        await c.crashNow("pg1");
        const killedAt = performance.now();
        // A promotion ends a pause (PostgreSQL 14 and later do it themselves; 13 waits for it).
        const resumed = (async () => {
          while (!w.ctl.actions.some((a) => a.kind === "promote") && performance.now() - killedAt < RTO_BOUND_MS)
            await sleep(50);
          await c.sql("pg2", "SELECT pg_wal_replay_resume()").catch(() => {});
        })();
        const first = await w.waitRecovered(load, "pg1", killedAt, RTO_BOUND_MS);
        await resumed;
        w.rethrowStub();
        const promoted = w.ctl.actions.filter((a) => a.kind === "promote").map((a) => a.node);
        ctx.check(
          !promoted.includes("pg3"),
          "a standby that fell behind is not promoted",
          () =>
            `pg3 was promoted, but it had heard nothing from pg1 for the ${((killedAt - cut3At) / 1000).toFixed(1)} s before pg1 died, while pg2 received every commit (it had replayed less: its replay was paused 1 s before pg3's cut; actions: ${w.describeActions()})`,
        );
        ctx.check(
          first !== undefined,
          "writes recover within the bound",
          () =>
            `no write was acknowledged by a new primary within ${RTO_BOUND_MS / 1000} s of killing pg1 (actions: ${w.describeActions()})`,
        );
        await sleep(500);
        await load.stop();
        await probe.stop();
        const split = probe.samples.find((s) => s.writable.length > 1);
        ctx.check(
          split === undefined,
          "exactly one writable primary",
          () => `clients found ${split?.writable.join(" and ")} both accepting writes`,
        );
        await w.expectNothingLost(first!.node, load.acks, "synchronous replication, a standby cut one way");
      });
    },
  },
];

export const partD: S[] = [
  {
    part: "D",
    name: "the old primary is fenced and rejoins with pg_rewind",
    points: 20,
    seeds: 1,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "After a failover, a server that answers pg_is_in_recovery() = false and is not your primary is the old one, back on a dead timeline: stop it at once (cluster.stop), before anything it accepts is acknowledged.",
      "It cannot simply follow the new primary: its WAL went on past the fork point (at least its own end-of-recovery checkpoint). cluster.rewind(old, primary) first, then cluster.startAsStandby(old, primary).",
      "Check afterwards that it streams: the new primary's pg_stat_replication lists it.",
    ],
    async run(ctx) {
      await withWorld(ctx, { durability: "sync" }, async (w) => {
        const c = w.cluster;
        await w.run();
        await w.settle(true);
        const { load, probe, primary } = await killAndRecover(w, 4, 1_500);
        // The old primary's machine comes back: PostgreSQL starts on its old timeline, writable,
        // and a batch job that still has its address writes to it.
        await c.startServer("pg1");
        const backAt = performance.now();
        const stale = w.pinnedWorkload("pg1", 2, "stale");
        let fencedAt: number | undefined;
        while (performance.now() - backAt < FENCE_BOUND_MS + 2_000) {
          const writable = await c
            .sql<{ r: boolean }>("pg1", "SELECT pg_is_in_recovery() AS r", [], 1_000)
            .then((r) => r[0]?.r === false)
            .catch(() => false);
          if (!writable) {
            fencedAt = performance.now();
            break;
          }
          await sleep(100);
        }
        ctx.check(
          fencedAt !== undefined && fencedAt - backAt <= FENCE_BOUND_MS,
          "the old primary is fenced",
          () =>
            `pg1 came back writable on its old timeline and still accepted writes ${FENCE_BOUND_MS / 1000} s later (actions: ${w.describeActions()})`,
        );
        ctx.metric("old primary fenced after", Math.round((fencedAt ?? 0) - backAt), "ms");
        const rejoined = await c.waitStreaming(primary, ["pg1"], 25_000);
        ctx.check(
          rejoined,
          "the old primary rejoins as a standby",
          () =>
            `pg1 does not stream from ${primary} within 25 s of coming back (actions: ${w.describeActions()}); its log:\n${c.log("pg1", 6)}`,
        );
        await c.sql(primary, "INSERT INTO ledger VALUES (-1, 'marker')");
        const target = await lsnOf(w, primary, "pg_current_wal_lsn()");
        const replayed = await caughtUp(w, primary, "pg1", 15_000);
        const at = await c
          .sql(
            "pg1",
            "SELECT pg_last_wal_replay_lsn()::text AS replayed, pg_last_wal_receive_lsn()::text AS received, (SELECT status FROM pg_stat_wal_receiver) AS receiver",
          )
          .then((r) => JSON.stringify(r[0]))
          .catch((e: Error) => e.message);
        ctx.check(
          replayed,
          "the old primary rejoins as a standby",
          () =>
            `pg1 streams but does not replay the new primary's writes (replayed ${at}, ${primary} at ${target}; actions: ${w.describeActions()}); its log:\n${c.log("pg1", 8)}`,
        );
        await stale.stop();
        await load.stop();
        await probe.stop();
        await w.expectNothingLost(primary, [...load.acks, ...stale.acks], "the clients' and the stale batch job's");
      });
    },
  },
];

export const partE: S[] = [
  {
    part: "E",
    name: "a controller cut off from the primary does not promote",
    points: 10,
    bonus: true,
    seeds: 1,
    timeoutMs: LIMIT,
    deterministic: false,
    hints: [
      "Your view is one observer's: before promoting, ask the standbys whether they still hear from the primary.",
      "pg_stat_wal_receiver on a standby: status 'streaming', sender_port the port of the link to the primary (cluster.conninfo), last_msg_receipt_time within a few seconds: then the primary lives and you are the one cut off.",
    ],
    async run(ctx) {
      await withWorld(ctx, { durability: "sync" }, async (w) => {
        await w.run();
        await w.settle(true);
        const load = w.workload(2);
        const probe = w.probe();
        const link = w.cluster.ctl.get("pg1")!;
        link.cut();
        await sleep(4_000);
        link.heal();
        await sleep(1_000);
        w.rethrowStub();
        await load.stop();
        await probe.stop();
        const promoted = w.ctl.actions.filter((a) => a.kind === "promote");
        ctx.check(
          promoted.length === 0,
          "no failover on one observer's view",
          () =>
            `the controller promoted ${promoted.map((a) => a.node).join(", ")} while pg1 was alive and streaming to both standbys (only the controller's link was cut)`,
        );
        const split = probe.samples.find((s) => s.writable.length > 1);
        ctx.check(
          split === undefined,
          "exactly one writable primary",
          () => `clients found ${split?.writable.join(" and ")} both accepting writes`,
        );
        await w.expectNothingLost("pg1", load.acks, "during the controller's partition");
      });
    },
  },
];
