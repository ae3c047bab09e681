/**
 * Reference failover controller. Each tick: probe every server, keep the durability setting
 * and every standby's upstream right, fence and rejoin a stale primary, and fail over when the
 * primary has failed `failAfterChecks` checks in a row and no standby still hears from it.
 */
import { lsnDiff, parseLsn } from "../framework/lsn.ts";
import type { Cluster, ControllerOptions, NodeName, NodeReport, Row } from "../framework/types.ts";

interface Probe {
  node: NodeName;
  role: "primary" | "standby" | "down";
  /** Primary: current WAL position; standby: replayed position. */
  lsn: string | null;
  /** Standby: the WAL it has received and flushed (what a promotion will replay). */
  received: string | null;
}

const PROBE_SQL = `SELECT pg_is_in_recovery() AS standby,
  CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text ELSE pg_current_wal_lsn()::text END AS lsn,
  pg_last_wal_receive_lsn()::text AS received`;

/** A standby that heard from its upstream this recently still sees it alive. */
const HEARD_WITHIN_S = 3;

function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

export class FailoverController {
  private current: NodeName | undefined;
  private failures = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly options: ControllerOptions,
  ) {}

  primary(): NodeName | undefined {
    return this.current;
  }

  async observe(): Promise<NodeReport[]> {
    const probes = await this.probeAll();
    const primary = probes.find((p) => p.role === "primary" && p.lsn !== null);
    return probes.map((p) => ({
      node: p.node,
      role: p.role,
      lsn: p.lsn,
      lagBytes:
        p.role === "primary"
          ? 0
          : p.role === "standby" && p.lsn !== null && primary?.lsn
            ? Math.max(0, lsnDiff(primary.lsn, p.lsn))
            : null,
    }));
  }

  async tick(): Promise<void> {
    const probes = await this.probeAll();
    if (this.current === undefined) {
      const writable = probes.filter((p) => p.role === "primary");
      if (writable.length !== 1) return;
      this.current = writable[0]!.node;
    }
    const current = this.current;
    const cur = probes.find((p) => p.node === current);
    if (cur?.role === "primary") {
      this.failures = 0;
      await this.keepDurability(current);
      for (const p of probes) {
        if (p.node === current) continue;
        if (p.role === "primary") await this.fenceAndRejoin(p.node, current);
        else if (p.role === "standby") await this.keepUpstream(p.node, current);
      }
      return;
    }
    this.failures++;
    if (this.failures < this.options.failAfterChecks) return;
    // One observer's view is not enough: a standby that still streams from the primary proves
    // it alive (we may be the one cut off).
    if (await this.someStandbyHears(current, probes)) return;
    await this.failover(current, probes);
  }

  private async failover(old: NodeName, probes: Probe[]): Promise<void> {
    const standbys = probes.filter((p) => p.role === "standby" && p.node !== old);
    if (standbys.length === 0) return;
    // The most WAL received wins: with synchronous commit, every acknowledged write is on at
    // least one standby, and only the most advanced one surely holds them all.
    const reach = (p: Probe) => parseLsn(p.received ?? p.lsn ?? "0/0");
    const best = standbys.reduce((a, b) => (reach(b) > reach(a) ? b : a));
    await this.cluster.promote(best.node);
    this.current = best.node;
    this.failures = 0;
    await this.keepDurability(best.node);
    for (const s of standbys) if (s.node !== best.node) await this.keepUpstream(s.node, best.node);
  }

  /** synchronous_standby_names on the primary: ANY 1 of the others under "sync", empty under "async". */
  private async keepDurability(primary: NodeName): Promise<void> {
    const others = this.cluster.nodes.filter((n) => n !== primary);
    const want = this.options.durability === "sync" ? `ANY 1 (${others.join(", ")})` : "";
    const rows = await this.tryQuery(primary, "SHOW synchronous_standby_names");
    if (!rows || rows[0]?.synchronous_standby_names === want) return;
    await this.cluster.query(primary, `ALTER SYSTEM SET synchronous_standby_names = ${quote(want)}`);
    await this.cluster.query(primary, "SELECT pg_reload_conf()");
  }

  /** Point a standby at the primary (PostgreSQL 13+ re-reads primary_conninfo on reload). */
  private async keepUpstream(standby: NodeName, primary: NodeName): Promise<void> {
    const want = this.cluster.conninfo(standby, primary);
    const rows = await this.tryQuery(standby, "SHOW primary_conninfo");
    if (!rows || rows[0]?.primary_conninfo === want) return;
    await this.cluster.query(standby, `ALTER SYSTEM SET primary_conninfo = ${quote(want)}`);
    await this.cluster.query(standby, "SELECT pg_reload_conf()");
  }

  /**
   * A second writable server is an old primary on a dead timeline: stop it first (nothing it
   * accepts from now on could be kept), then rewind it to the fork point and follow the primary.
   */
  private async fenceAndRejoin(stale: NodeName, primary: NodeName): Promise<void> {
    await this.cluster.stop(stale);
    await this.cluster.rewind(stale, primary);
    await this.cluster.startAsStandby(stale, primary);
  }

  private async someStandbyHears(primary: NodeName, probes: Probe[]): Promise<boolean> {
    for (const p of probes) {
      if (p.role !== "standby") continue;
      const port = /port=(\d+)/.exec(this.cluster.conninfo(p.node, primary))?.[1];
      const rows = await this.tryQuery(
        p.node,
        `SELECT status, sender_port, extract(epoch FROM now() - last_msg_receipt_time)::float8 AS age
           FROM pg_stat_wal_receiver`,
      );
      const r = rows?.[0];
      if (r && r.status === "streaming" && String(r.sender_port) === port && Number(r.age) < HEARD_WITHIN_S)
        return true;
    }
    return false;
  }

  private async probeAll(): Promise<Probe[]> {
    return Promise.all(this.cluster.nodes.map((n) => this.probe(n)));
  }

  private async probe(node: NodeName): Promise<Probe> {
    const rows = await this.tryQuery(node, PROBE_SQL);
    const r = rows?.[0];
    if (!r) return { node, role: "down", lsn: null, received: null };
    return {
      node,
      role: r.standby ? "standby" : "primary",
      lsn: (r.lsn as string | null) ?? null,
      received: (r.received as string | null) ?? null,
    };
  }

  private async tryQuery(node: NodeName, sql: string): Promise<Row[] | undefined> {
    try {
      return await this.cluster.query(node, sql);
    } catch {
      return undefined;
    }
  }
}
