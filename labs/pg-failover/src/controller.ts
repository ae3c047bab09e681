/**
 * Your failover controller for three PostgreSQL servers in streaming replication (pg1 is the
 * first primary; pg2 and pg3 stream from it). The grader's host calls `tick()` about every
 * 200 ms, one call at a time, and asks `primary()` before its clients write. You act only
 * through `cluster` (../framework/types.ts): SQL on each server, and promote, stop, rewind and
 * start-as-standby, which the grader carries out on the real servers.
 *
 * PostgreSQL 15 documentation: "High Availability, Load Balancing, and Replication" (ch. 27:
 * 27.2.5 streaming replication, 27.2.8 synchronous replication, 27.3 failover), pg_rewind (app),
 * the system administration functions (9.27: pg_is_in_recovery, pg_current_wal_lsn,
 * pg_last_wal_receive_lsn, pg_last_wal_replay_lsn), and the views pg_stat_replication and
 * pg_stat_wal_receiver (28.2).
 */
import { NotImplemented } from "@faultline/sim";
import type { Cluster, ControllerOptions, NodeName, NodeReport } from "../framework/types.ts";

export class FailoverController {
  constructor(
    private readonly cluster: Cluster,
    private readonly options: ControllerOptions,
  ) {}

  /**
   * Part A: one report per server, in `cluster.nodes` order.
   *
   * TODO: query every server (concurrently): `SELECT pg_is_in_recovery()`, and the WAL position
   * that matters for its role: pg_current_wal_lsn() on the primary, pg_last_wal_replay_lsn() on
   * a standby (what its readers see; the received position can be far ahead when replay is
   * paused or slow). A server that does not answer is "down" with lsn and lagBytes null, now,
   * whatever it was before. lagBytes of a standby is the primary's position minus its replayed
   * one (parse LSNs with parseLsn/lsnDiff from ../framework/lsn.ts: "0/A000000" > "0/9FFFFFF"),
   * never the standby's received minus replayed: a standby knows nothing of WAL that never
   * reached it. The primary of a round is the server that answered pg_is_in_recovery() = false
   * in it (not pg1 by name, not the first server with a position); when none did (between a
   * primary's end and a promotion), every lagBytes is null.
   */
  async observe(): Promise<NodeReport[]> {
    void this.cluster;
    throw new NotImplemented("FailoverController.observe (src/controller.ts): part A");
  }

  /**
   * Parts A (learning the primary), B, C and D: one round of watching and acting.
   *
   * TODO (A): learn the primary on the first tick by asking: the one server whose
   * pg_is_in_recovery() is false. Do not assume pg1 (after a switchover it may be stopped), and
   * do not take the first server that answers (a standby answers too).
   * TODO (B): count consecutive failed checks of the primary; only `options.failAfterChecks` in a
   * row make it dead (one slow answer is not a crash). Then promote the standby that has received the most WAL
   * (pg_last_wal_receive_lsn()), and point the other standby at it: ALTER SYSTEM SET
   * primary_conninfo = '<cluster.conninfo(standby, newPrimary)>' followed by
   * SELECT pg_reload_conf() (ALTER SYSTEM alone changes nothing until the reload).
   * TODO (C): on whichever server is primary, keep synchronous_standby_names =
   * 'ANY 1 (<the other two, in cluster.nodes order, comma and space>)' under durability "sync"
   * and '' under "async" (ALTER SYSTEM + reload): a new primary starts without it. ANY 1 lets a
   * commit go on with whichever standby flushed it; a list naming one standby ties every commit
   * to that one, and commits stop while it hears nothing.
   * TODO (D): a writable server that is not your primary is an old primary on a dead timeline:
   * fence it at once (cluster.stop), then cluster.rewind(it, primary) and
   * cluster.startAsStandby(it, primary). Without the rewind it cannot follow the new timeline.
   * TODO (E, bonus): before promoting, ask the standbys: if one still streams from the primary
   * (pg_stat_wal_receiver: status 'streaming', sender_port the primary's link, a message within
   * the last few seconds), you are the one cut off; do not promote.
   */
  async tick(): Promise<void> {
    void this.options;
    throw new NotImplemented("FailoverController.tick (src/controller.ts): parts A-E");
  }

  /**
   * The server clients should write to now, as far as you know (undefined before the first
   * tick found one).
   *
   * TODO (A): return the primary your ticks track: never a standby or a stopped server.
   * TODO (B): it must change the moment you promote.
   */
  primary(): NodeName | undefined {
    throw new NotImplemented("FailoverController.primary (src/controller.ts): parts A and B");
  }
}
