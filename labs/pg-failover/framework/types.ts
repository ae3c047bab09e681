/**
 * What the failover controller works with: the cluster as the grader exposes it. SQL goes to
 * the servers over real TCP (through the grader's links, which it may delay or cut); actions
 * that need the server's files or binaries (`pg_ctl promote`, `pg_ctl stop`, `pg_rewind`, a
 * start as standby) are carried out by the grader on the real servers when you call them.
 */

/** The servers are named "pg1", "pg2", "pg3"; pg1 is the first primary. */
export type NodeName = string;

/** A row of a query result: column name -> value as `pg` returns it (LSNs are strings). */
export type Row = Record<string, unknown>;

export interface Cluster {
  /** Every server, in a fixed order ("pg1", "pg2", "pg3"). */
  readonly nodes: readonly NodeName[];
  /**
   * Run one SQL statement on `node` (a fresh connection each time, 1 s to connect, 2 s per
   * statement). Throws when the server cannot be reached or the statement fails.
   */
  query(node: NodeName, sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** `pg_ctl promote -w`: end recovery on a standby; resolves once it accepts writes. */
  promote(node: NodeName): Promise<void>;
  /** `pg_ctl stop -m fast`: shut a server down (a fence: it accepts nothing afterwards). */
  stop(node: NodeName): Promise<void>;
  /**
   * `pg_rewind --target-pgdata=<node> --source-server=<source>`: rewind a stopped server to the
   * point where its history forked from `source`'s, so it can follow `source` again. A
   * CHECKPOINT on `source` comes first: a just-promoted server records its new timeline in its
   * control file only then, and pg_rewind reads it there.
   */
  rewind(node: NodeName, source: NodeName): Promise<void>;
  /** Start a stopped server as a standby of `source` (standby.signal, primary_conninfo). */
  startAsStandby(node: NodeName, source: NodeName): Promise<void>;
  /**
   * The `primary_conninfo` that makes `standby` stream from `primary` (its application_name is
   * the standby's name, which `synchronous_standby_names` and `pg_stat_replication` use).
   */
  conninfo(standby: NodeName, primary: NodeName): string;
  /** Milliseconds, monotonic. */
  now(): number;
}

export type Role = "primary" | "standby" | "down";

/** One server as the controller sees it (part A). */
export interface NodeReport {
  node: NodeName;
  role: Role;
  /**
   * WAL position as PostgreSQL prints it ("0/3000148"): on a primary pg_current_wal_lsn(), on a
   * standby pg_last_wal_replay_lsn() (what queries on it can see); null when down.
   */
  lsn: string | null;
  /**
   * Replay lag in bytes: the primary's current WAL position minus this standby's replayed
   * position; 0 for the primary; null when down or when no primary can be read.
   */
  lagBytes: number | null;
}

export interface ControllerOptions {
  /** How many consecutive failed checks of the primary make it dead (default 5). */
  failAfterChecks: number;
  /**
   * "sync": every commit on the primary waits for one standby
   * (synchronous_standby_names = 'ANY 1 (<the other servers>)'); "async": it does not.
   */
  durability: "sync" | "async";
}

export const DEFAULT_OPTIONS: ControllerOptions = { failAfterChecks: 5, durability: "sync" };

/** A failover controller: the grader's host calls `tick()` about every 200 ms, one at a time. */
export interface FailoverControllerLike {
  observe(): Promise<NodeReport[]>;
  tick(): Promise<void>;
  primary(): NodeName | undefined;
}
