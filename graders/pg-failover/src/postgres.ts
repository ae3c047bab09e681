/**
 * Three real PostgreSQL servers on loopback, owned by the grader: pg1 initialized with initdb,
 * pg2 and pg3 copied from it with pg_basebackup and streaming from it, each replication link
 * (standby -> primary) and each of the controller's links through a TcpProxy. Ports come from
 * the operating system and data directories live under one temporary folder, so runs never
 * collide. PostgreSQL refuses to run as root: as root, every command runs as the "postgres"
 * user. `close()` stops every server and removes the folder, also after a failure; a process
 * exit (Ctrl-C included) kills whatever is still running. A grading process killed with its
 * group has no time to remove its folder: the folder's name holds the process's pid, and the
 * next cluster created removes the folders of processes that are gone.
 */
import { type ExecFileException, execFile, execFileSync, spawn } from "node:child_process";
import { appendFileSync, chownSync, closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { ownedTempDir } from "@faultline/grading/owned-temp-dir";
import { processState, processTable, processTableAsync } from "@faultline/grading/process-table";
import { TcpProxy } from "./tcp-proxy.ts";

export const NODES = ["pg1", "pg2", "pg3"] as const;
export type Node = (typeof NODES)[number];

/**
 * The folder of PostgreSQL's server binaries: PG_BINDIR, else the newest
 * /usr/lib/postgresql/<version>/bin (Debian's layout). Asked of a shell: the grading process
 * may start processes but not read outside the course.
 */
export function findBindir(): string | undefined {
  const script = `for d in "$PG_BINDIR" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_rewind" ]; then echo "$d"; exit 0; fi
done`;
  try {
    const out = execFileSync("/bin/sh", ["-c", script], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PG_BINDIR: process.env.PG_BINDIR ?? "" },
    }).trim();
    return out === "" ? undefined : out;
  } catch {
    return undefined;
  }
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

let ids: { uid: number; gid: number } | undefined | null = null;
/** The uid/gid of "postgres" when we are root (PostgreSQL will not run as root). */
function postgresIds(): { uid: number; gid: number } | undefined {
  if (!isRoot) return undefined;
  if (ids !== null) return ids;
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    ids = { uid, gid };
    return ids;
  } catch {
    throw new Error('running as root, and there is no "postgres" user to run PostgreSQL as (PostgreSQL refuses root)');
  }
}

/** How many lines of a failed step's stderr, or of a server's log, its error keeps. */
const TAIL_LINES = 12;

/**
 * A step of the grader's own handling of a server (initdb, pg_basebackup, starting a server,
 * waiting for it, pg_ctl, pg_rewind) that failed. The first line of the message says which step
 * of which server, how it ended (exit code, signal, timeout) and its first error line, because
 * a one-line summary keeps only that; the lines after it are the last lines of the step's stderr
 * and of the servers' logs that explain it.
 */
export class PgStepError extends Error {
  override name = "PgStepError";

  constructor(
    /** e.g. "pg_basebackup of pg2", "start of pg1". */
    readonly step: string,
    /** e.g. "exit code 1", "killed by SIGKILL", "timed out after 60 s". */
    readonly outcome: string,
    /** Titled excerpts: a step's stderr, a server's log. */
    readonly sections: ReadonlyArray<{ title: string; text: string }>,
  ) {
    const all = sections.flatMap((s) => s.text.split("\n")).filter((l) => l.trim() !== "");
    // The first line that names an error is the cause; the lines after it are consequences.
    const cause = all.find((l) => /\b(error|ERROR|FATAL|PANIC)\b/.test(l)) ?? all.at(-1);
    const body = sections
      .filter((s) => s.text.trim() !== "")
      .map((s) => `  ${s.title}:\n${s.text.replace(/^/gm, "    ")}`)
      .join("\n");
    super(`${step} failed (${outcome})${cause ? `: ${cause.trim()}` : ""}${body ? `\n${body}` : ""}`);
  }
}

/** The last `n` non-empty lines of a text. */
export function lastLines(text: string, n = TAIL_LINES): string {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-n)
    .join("\n");
}

/** How a child process ended, from execFile's error. */
function outcomeOf(err: ExecFileException, timeoutMs: number): string {
  if (err.killed && err.signal) return `timed out after ${Math.round(timeoutMs / 1000)} s, killed with ${err.signal}`;
  if (err.signal) return `killed by ${err.signal}`;
  if (typeof err.code === "number") return `exit code ${err.code}`;
  if (typeof err.code === "string") return `${err.code}: ${err.message}`;
  return err.message.split("\n")[0] ?? "failed";
}

/**
 * One PostgreSQL program, as "postgres" when we are root. A failure is a PgStepError named
 * `step`, with the program's stderr and the `logs` (servers' log tails) read at that moment.
 */
function run(
  bin: string,
  args: string[],
  step: string,
  {
    timeoutMs = 60_000,
    logs = () => [],
  }: { timeoutMs?: number; logs?: () => Array<{ title: string; text: string }> } = {},
): Promise<string> {
  const ids = postgresIds();
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      {
        timeout: timeoutMs,
        ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" },
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        reject(
          new PgStepError(step, outcomeOf(err, timeoutMs), [
            { title: `${bin.split("/").pop()} ${args.join(" ")}: stderr`, text: lastLines(String(stderr)) },
            ...logs(),
          ]),
        );
      },
    );
  });
}

/** Live clusters of this process, killed on exit whatever happens. */
const live = new Set<PgCluster>();

/** Cluster folders: `faultline-pgf-<pid of the process that made it>-XXXXXX` (see ownedTempDir). */
export const CLUSTER_FOLDER_PREFIX = "faultline-pgf-";
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  const killAll = () => {
    for (const c of live) c.killNow();
  };
  process.on("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

const BASE_CONF = [
  "listen_addresses = '127.0.0.1'",
  "wal_level = replica",
  "max_wal_senders = 10",
  "wal_log_hints = on",
  "hot_standby = on",
  "fsync = off",
  "max_connections = 60",
  "shared_buffers = 16MB",
  // Standbys behind a slow link, re-pointed or rewound, find the WAL they need.
  "wal_keep_size = '256MB'",
  // Dead links show within seconds, not a minute.
  "wal_sender_timeout = '2s'",
  "wal_receiver_timeout = '2s'",
  "wal_receiver_status_interval = '1s'",
  "wal_retrieve_retry_interval = '300ms'",
  "log_min_messages = warning",
];

/** wal_sender_timeout of a base backup's own connection (see boot()). */
const BACKUP_SENDER_TIMEOUT = "60s";

/**
 * initdb and pg_basebackup guard against a hang, not a slow machine: both take a second or two
 * here, but starved of CPU (a load average above 20) initdb took more than a minute. The test's
 * own time limit bounds the boot as a whole.
 */
const BOOT_STEP_TIMEOUT_MS = 120_000;

export class PgCluster {
  readonly ports = new Map<Node, number>();
  /** repl[standby][primary]: the link a standby streams through. */
  readonly repl = new Map<Node, Map<Node, TcpProxy>>();
  /** The controller's link to each server. */
  readonly ctl = new Map<Node, TcpProxy>();
  private closed = false;

  private constructor(
    readonly bindir: string,
    readonly base: string,
  ) {}

  dataDir(n: Node): string {
    return join(this.base, n);
  }

  conninfo(standby: Node, primary: Node): string {
    const port = this.repl.get(standby)?.get(primary)?.port;
    if (port === undefined) throw new Error(`no link ${standby} -> ${primary}`);
    return `host=127.0.0.1 port=${port} user=postgres application_name=${standby}`;
  }

  /** Ports and links, no server yet: `boot()` starts them. */
  static async create(bindir: string): Promise<PgCluster> {
    hookExit();
    const base = ownedTempDir(CLUSTER_FOLDER_PREFIX);
    const ids = postgresIds();
    if (ids) chownSync(base, ids.uid, ids.gid);
    const c = new PgCluster(bindir, base);
    live.add(c);
    try {
      // The servers' ports stay held while the proxies take theirs, or a proxy could get one.
      const held = await Promise.all(NODES.map(() => holdPort()));
      for (const [i, n] of NODES.entries()) c.ports.set(n, held[i]!.port);
      try {
        for (const n of NODES) {
          const m = new Map<Node, TcpProxy>();
          for (const p of NODES) if (p !== n) m.set(p, await TcpProxy.start(c.port(p)));
          c.repl.set(n, m);
          c.ctl.set(n, await TcpProxy.start(c.port(n)));
        }
      } finally {
        await Promise.all(held.map((h) => h.release()));
      }
      return c;
    } catch (err) {
      await c.close();
      throw err;
    }
  }

  /**
   * initdb, start pg1, base backups for pg2 and pg3 through their links, start them streaming.
   * A step that fails throws a PgStepError naming it.
   */
  async boot(): Promise<void> {
    const { bindir, base } = this;
    await run(
      join(bindir, "initdb"),
      ["-D", this.dataDir("pg1"), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"],
      "initdb of pg1",
      { timeoutMs: BOOT_STEP_TIMEOUT_MS },
    );
    this.appendFile(
      join(this.dataDir("pg1"), "postgresql.conf"),
      `${BASE_CONF.join("\n")}\nunix_socket_directories = '${base}'\n`,
    );
    await this.startServer("pg1");
    await this.sql("pg1", "CREATE TABLE ledger (id bigint PRIMARY KEY, writer text NOT NULL)", [], 30_000).catch(
      (err: Error) => {
        throw new PgStepError("CREATE TABLE ledger on pg1", err.message, [this.logSection("pg1")]);
      },
    );
    for (const s of ["pg2", "pg3"] as const) {
      // The backup's WAL stream reports every 10 s or when the server asks (after 1 s of silence),
      // and a starved pg_basebackup (a loaded machine) misses the 2 s wal_sender_timeout meant
      // for the standbys' links: the server ends the stream and the backup fails. Its own
      // connection waits a minute.
      await run(
        join(bindir, "pg_basebackup"),
        [
          "-d",
          `${this.conninfo(s, "pg1")} options='-c wal_sender_timeout=${BACKUP_SENDER_TIMEOUT}'`,
          "-D",
          this.dataDir(s),
          "-X",
          "stream",
          "--no-sync",
          "-c",
          "fast",
        ],
        `pg_basebackup of ${s} from pg1`,
        { timeoutMs: BOOT_STEP_TIMEOUT_MS, logs: () => [this.logSection("pg1")] },
      );
      this.makeStandby(s, "pg1");
      await this.startServer(s);
    }
    const standbys = ["pg2", "pg3"] as const;
    if (!(await this.waitStreaming("pg1", standbys, 30_000))) {
      const rows = await this.replication("pg1").catch((err: Error) => err.message);
      const seen = typeof rows === "string" ? rows : rows.map((r) => `${r.application_name} ${r.state}`).join(", ");
      const behind = standbys.filter(
        (s) => typeof rows === "string" || !rows.some((r) => r.application_name === s && r.state === "streaming"),
      );
      throw new PgStepError(
        `streaming of ${behind.join(" and ")} from pg1`,
        `not streaming after 30 s; pg1's pg_stat_replication: ${seen || "empty"}`,
        [...behind.map((s) => this.logSection(s)), this.logSection("pg1")],
      );
    }
  }

  /** A server's log tail, for a PgStepError. */
  private logSection(n: Node): { title: string; text: string } {
    return { title: `${n}'s log`, text: this.log(n, TAIL_LINES) };
  }

  port(n: Node): number {
    const p = this.ports.get(n);
    if (p === undefined) throw new Error(`no server ${n}`);
    return p;
  }

  private appendFile(file: string, text: string): void {
    appendFileSync(file, text);
    const ids = postgresIds();
    if (ids) chownSync(file, ids.uid, ids.gid);
  }

  /** standby.signal and primary_conninfo (postgresql.auto.conf, whose last line wins). */
  makeStandby(n: Node, primary: Node): void {
    const dir = this.dataDir(n);
    this.appendFile(join(dir, "standby.signal"), "");
    this.appendFile(join(dir, "postgresql.auto.conf"), `primary_conninfo = '${this.conninfo(n, primary)}'\n`);
  }

  async startServer(n: Node): Promise<void> {
    // After a crash the pid file stays behind, and its postmaster may linger as a zombie until
    // init reaps it, which PostgreSQL would take for a live server: a rebooted machine has no
    // such process, so the stale file goes.
    const pidFile = join(this.dataDir(n), "postmaster.pid");
    if (existsSync(pidFile) && this.pid(n) === undefined) {
      rmSync(pidFile, { force: true });
      const socket = join(this.base, `.s.PGSQL.${this.port(n)}`);
      rmSync(socket, { force: true });
      rmSync(`${socket}.lock`, { force: true });
    }
    // The postmaster is this process's child, in its process group (pg_ctl start would detach
    // it with setsid): if the grading process is killed with its group, the servers go too.
    const log = openSync(join(this.base, `${n}.log`), "a");
    const ids = postgresIds();
    const proc = spawn(join(this.bindir, "postgres"), ["-D", this.dataDir(n), "-p", String(this.port(n))], {
      stdio: ["ignore", log, log],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" },
      ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
    });
    closeSync(log);
    let exited: string | undefined;
    proc.once("exit", (code, signal) => {
      exited = signal ?? `exit code ${code}`;
    });
    proc.on("error", (err) => {
      exited = err.message;
    });
    const until = performance.now() + 60_000;
    for (;;) {
      if (exited !== undefined)
        throw new PgStepError(`start of ${n}`, `postgres ended: ${exited}`, [this.logSection(n)]);
      let last: string;
      try {
        await this.sql(n, "SELECT 1", [], 2_000);
        return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (performance.now() > until)
        throw new PgStepError(`start of ${n}`, `accepts no connection after 60 s (last try: ${last})`, [
          this.logSection(n),
        ]);
      await sleep(100);
    }
  }

  async promote(n: Node): Promise<void> {
    await run(join(this.bindir, "pg_ctl"), ["-D", this.dataDir(n), "-w", "-t", "30", "promote"], `promote of ${n}`, {
      logs: () => [this.logSection(n)],
    });
  }

  async stopServer(n: Node, mode: "fast" | "immediate" = "fast"): Promise<void> {
    if (!this.running(n)) return;
    await run(
      join(this.bindir, "pg_ctl"),
      ["-D", this.dataDir(n), "-m", mode, "-w", "-t", "30", "stop"],
      `stop of ${n}`,
      {
        logs: () => [this.logSection(n)],
      },
    );
  }

  async rewind(n: Node, source: Node): Promise<void> {
    // A just-promoted source writes its new timeline into its control file only at its next
    // checkpoint; before that pg_rewind finds both on one timeline and rewinds nothing.
    await this.sql(source, "CHECKPOINT", [], 30_000);
    await run(
      join(this.bindir, "pg_rewind"),
      ["--target-pgdata", this.dataDir(n), "--source-server", this.conninfo(n, source), "--no-sync"],
      `pg_rewind of ${n} from ${source}`,
    );
  }

  async startAsStandby(n: Node, source: Node): Promise<void> {
    this.makeStandby(n, source);
    await this.startServer(n);
  }

  /** The postmaster's pid, if its pid file says it runs. */
  pid(n: Node): number | undefined {
    const file = join(this.dataDir(n), "postmaster.pid");
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
    return pid > 0 && alive(pid) ? pid : undefined;
  }

  running(n: Node): boolean {
    return this.pid(n) !== undefined;
  }

  /** A machine that dies: SIGKILL the postmaster and every process it started, at once. */
  crash(n: Node): void {
    const pid = this.pid(n);
    if (pid === undefined) return;
    killAll([pid, ...childrenOf(pid)]);
  }

  /**
   * The same without blocking: the process table is read while the event loop runs, so the
   * links' delayed bytes keep flowing (or not) as on a real network until the kill itself,
   * which is one synchronous step. The pid file stays, as after a real crash.
   */
  async crashNow(n: Node): Promise<void> {
    const pidFile = join(this.dataDir(n), "postmaster.pid");
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    if (!(pid > 0)) return;
    const table = await processTableAsync();
    killAll([pid, ...[...table].filter(([, p]) => p.ppid === pid).map(([child]) => child)]);
  }

  /** One statement on a server, straight (not through the controller's links). */
  async sql<R extends Record<string, unknown> = Record<string, unknown>>(
    n: Node,
    text: string,
    params: unknown[] = [],
    timeoutMs = 5_000,
  ): Promise<R[]> {
    const client = new pg.Client({
      host: "127.0.0.1",
      port: this.port(n),
      user: "postgres",
      database: "postgres",
      connectionTimeoutMillis: 2_000,
      query_timeout: timeoutMs,
      application_name: "grader",
    });
    client.on("error", () => {});
    try {
      await client.connect();
      return (await client.query(text, params)).rows as R[];
    } finally {
      void client.end().catch(() => {});
    }
  }

  /** Until `primary`'s pg_stat_replication shows each standby streaming. */
  async waitStreaming(primary: Node, standbys: readonly Node[], timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const rows = await this.replication(primary).catch(() => []);
      if (standbys.every((s) => rows.some((r) => r.application_name === s && r.state === "streaming"))) return true;
      await sleep(100);
    }
    return false;
  }

  /** `primary`'s pg_stat_replication: who is connected, in which state. */
  replication(primary: Node): Promise<Array<{ application_name: string; state: string }>> {
    return this.sql(primary, "SELECT application_name, state FROM pg_stat_replication");
  }

  /** Synchronous: for the exit hook. */
  killNow(): void {
    for (const n of NODES) this.crash(n);
    try {
      rmSync(this.base, { recursive: true, force: true });
    } catch {}
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(NODES.map((n) => this.stopServer(n, "immediate").catch(() => this.crash(n))));
    for (const n of NODES) this.crash(n);
    for (const m of this.repl.values()) for (const p of m.values()) await p.close();
    for (const p of this.ctl.values()) await p.close();
    rmSync(this.base, { recursive: true, force: true });
    live.delete(this);
  }

  /** The server log's last lines (for a failure message). */
  log(n: Node, lines = 15): string {
    try {
      return readFileSync(join(this.base, `${n}.log`), "utf8")
        .trim()
        .split("\n")
        .filter((l) => !/read-only transaction|STATEMENT: {2}INSERT/.test(l))
        .slice(-lines)
        .join("\n");
    } catch {
      return "";
    }
  }
}

function killAll(pids: readonly number[]): void {
  for (const p of pids) {
    try {
      process.kill(p, "SIGKILL");
    } catch {}
  }
}

/** Whether a process exists and is not a zombie. */
function alive(pid: number): boolean {
  return processState(pid) === "running";
}

function childrenOf(pid: number): number[] {
  return [...processTable()].filter(([, p]) => p.ppid === pid).map(([child]) => child);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free port from the OS, held by a listening socket until `release()`. */
async function holdPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      const port = typeof a === "object" && a ? a.port : 0;
      resolve({ port, release: () => new Promise<void>((r) => srv.close(() => r())) });
    });
  });
}
