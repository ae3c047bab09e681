/**
 * Database connection: embedded PGlite on a data directory (the default), or a PostgreSQL
 * server through node-postgres when a connection URL is given. Both answer the same `Db`.
 */
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Db, Queryable, QueryResult } from "./types.ts";
import { MIGRATIONS } from "./migrations.ts";

export type DbConfig =
  | { kind: "pglite"; dataDir: string }
  | { kind: "postgres"; url: string /** Schema for this run's tables (created if missing). */; schema: string };

/** Small buffers: a grader runs several embedded databases at once. */
const PGLITE_PARAMS = ["-c", "shared_buffers=8MB", "-c", "work_mem=1MB", "-c", "maintenance_work_mem=8MB"];

function pgliteVersion(): string {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve("@electric-sql/pglite")));
    for (let i = 0; i < 4; i++, dir = dirname(dir)) {
      const f = join(dir, "package.json");
      if (existsSync(f)) {
        const pkg = JSON.parse(readFileSync(f, "utf8")) as { name?: string; version?: string };
        if (pkg.name === "@electric-sql/pglite" && pkg.version) return pkg.version;
      }
    }
  } catch {
    // fall through
  }
  return "unknown";
}

/**
 * Where data directories go: a RAM-backed /dev/shm when there is one (a data directory has about
 * a thousand files; copying and deleting them on a slow disk costs seconds per run), else the
 * temp dir. A SIGKILLed server loses nothing either way: only a machine crash would.
 */
export function scratchDir(): string {
  const shm = "/dev/shm";
  try {
    if (existsSync(shm)) {
      accessSync(shm, constants.W_OK);
      return shm;
    }
  } catch {
    // not writable
  }
  return tmpdir();
}

/**
 * A freshly initialized PGlite data directory, made once per machine and copied for each run
 * (initializing one takes seconds; copying takes milliseconds). Safe when several processes race.
 */
export async function pgliteTemplate(): Promise<string> {
  const dir = join(scratchDir(), `faultline-pglite-template-${pgliteVersion()}`);
  if (existsSync(join(dir, "PG_VERSION"))) return dir;
  const { PGlite } = await import("@electric-sql/pglite");
  const work = mkdtempSync(join(scratchDir(), "faultline-pglite-init-"));
  const db = await PGlite.create(join(work, "data"), { startParams: [...PGlite.defaultStartParams, ...PGLITE_PARAMS] });
  await db.close();
  try {
    renameSync(join(work, "data"), dir);
  } catch {
    // Another process won the race; its template is as good as ours.
  }
  rmSync(work, { recursive: true, force: true });
  if (!existsSync(join(dir, "PG_VERSION"))) throw new Error(`could not prepare the PGlite template in ${dir}`);
  return dir;
}

/** A new PGlite data directory (a copy of the template) under `parent`. */
export async function newPgliteDataDir(parent = scratchDir()): Promise<string> {
  const template = await pgliteTemplate();
  mkdirSync(parent, { recursive: true });
  const dir = join(mkdtempSync(join(parent, "faultline-idem-")), "pgdata");
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** Remove a data directory made by newPgliteDataDir. */
export function removePgliteDataDir(dataDir: string): void {
  rmSync(dirname(dataDir), { recursive: true, force: true });
}

export async function openDb(cfg: DbConfig): Promise<Db> {
  const db = cfg.kind === "pglite" ? await openPglite(cfg.dataDir) : await openPostgres(cfg.url, cfg.schema);
  for (const m of MIGRATIONS) await db.query(m);
  return db;
}

async function openPglite(dataDir: string): Promise<Db> {
  const { PGlite } = await import("@electric-sql/pglite");
  const pg = await PGlite.create(dataDir, { startParams: [...PGlite.defaultStartParams, ...PGLITE_PARAMS] });
  const wrap = (q: {
    query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[]; affectedRows?: number }>;
  }): Queryable => ({
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const r = await q.query(sql, params as unknown[]);
      return { rows: r.rows as R[], rowCount: Math.max(r.affectedRows ?? 0, r.rows.length) };
    },
  });
  const top = wrap(pg);
  return {
    kind: "pglite",
    query: top.query,
    async transaction(fn, opts) {
      // PGlite is one session: its transactions run one at a time, which is serializable anyway.
      return pg.transaction(async (tx) => {
        if (opts?.isolation) await tx.query(`SET TRANSACTION ISOLATION LEVEL ${opts.isolation.toUpperCase()}`);
        return fn(wrap(tx));
      });
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}

async function openPostgres(url: string, schema: string): Promise<Db> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const { default: pg } = await import("pg");
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  try {
    await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } finally {
    await setup.end();
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 5_000,
  });
  pool.on("error", () => {
    // An idle client lost its connection (server restart); the pool replaces it.
  });
  const result = <R>(r: { rows: unknown[]; rowCount: number | null }): QueryResult<R> => ({
    rows: r.rows as R[],
    rowCount: Math.max(r.rowCount ?? 0, r.rows.length),
  });
  return {
    kind: "postgres",
    async query<R>(sql: string, params: readonly unknown[] = []) {
      return result<R>(await pool.query(sql, params as unknown[]));
    },
    async transaction(fn, opts) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${(opts?.isolation ?? "read committed").toUpperCase()}`);
        const tx: Queryable = {
          async query<R>(sql: string, params: readonly unknown[] = []) {
            return result<R>(await client.query(sql, params as unknown[]));
          },
        };
        const out = await fn(tx);
        await client.query("COMMIT");
        return out;
      } catch (err) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

/** Drop a run's schema on a PostgreSQL server (cleanup after a graded run). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) return;
  const { default: pg } = await import("pg");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}
