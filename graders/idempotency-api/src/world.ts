/**
 * One graded run's world: the provider (with its audited ledger), a database (PGlite data
 * directory, or a schema on the PostgreSQL server of DATABASE_URL), the API server running the
 * implementation under test (in this worker thread, or as a child process for crash tests), and
 * the end-of-run audit. Everything is closed in `close()`, also after a failure.
 */
import { pathToFileURL } from "node:url";
import { randomBytes } from "node:crypto";
import { Rng } from "@faultline/sim";
import type { ScenarioContext } from "@faultline/grading";
import {
  dropPostgresSchema,
  newPgliteDataDir,
  NOT_IMPLEMENTED_TYPE,
  openDb,
  ProviderServer,
  removePgliteDataDir,
  sendHttp,
  spawnServer,
  startApiServer,
  TransportError,
  type ApiRequest,
  type ApiServer,
  type ChargeHandler,
  type Db,
  type DbConfig,
  type FailpointName,
  type HttpReply,
  type ProviderFaults,
  type ServerProcess,
  type ServiceConfig,
  type ServiceDeps,
} from "@faultline/lab-idempotency-api/framework";

/** The lab's exports, as the grader uses them. */
export interface LabModule {
  createChargeHandler(deps: ServiceDeps): ChargeHandler;
  PaymentsClient: new (opts: import("@faultline/lab-idempotency-api").ClientOptions) => {
    createCharge(input: import("@faultline/lab-idempotency-api").ChargeInput, opts?: { idempotencyKey?: string }): Promise<import("@faultline/lab-idempotency-api").ChargeOutcome>;
  };
  implUrl: string;
}

export type Ctx = ScenarioContext<LabModule>;

export interface WorldOptions {
  /** Run the server as a child process that can be SIGKILLed and restarted (crash tests). */
  child?: boolean;
  provider?: ProviderFaults;
  config?: Partial<ServiceConfig>;
  /** The server's provider-call timeout (in-process servers; default 2000 ms). */
  providerTimeoutMs?: number;
}

export interface Payment {
  amount: number;
  currency: string;
  source: string;
  description: string;
}

/** A NotImplemented from the implementation, surfaced in the grader (the stub is "not started"). */
export function notImplemented(message: string): Error {
  const e = new Error(message);
  e.name = "NotImplemented";
  return e;
}

const ADMIN = "grader-admin";

export class World {
  readonly provider: ProviderServer;
  /** Every POST /charges the server received (in-process servers only), with wall time. */
  readonly received: Array<{ req: ApiRequest; at: number; description: string | undefined }> = [];
  notImplementedMessage: string | undefined;
  private db: Db | undefined;
  private inproc: ApiServer | undefined;
  private proc: ServerProcess | undefined;
  private clockOffset = 0;
  private readonly dbConfig: DbConfig;
  private readonly cleanups: Array<() => Promise<void> | void> = [];

  private constructor(
    readonly ctx: Ctx,
    readonly opts: WorldOptions,
  ) {
    this.provider = new ProviderServer({ random: ((r) => () => r.next())(new Rng(ctx.seed, "provider")), faults: opts.provider ?? {} });
    const url = process.env.DATABASE_URL;
    this.dbConfig = url ? { kind: "postgres", url, schema: `fl_${ctx.seed}_${randomBytes(6).toString("hex")}` } : { kind: "pglite", dataDir: "" };
  }

  static async start(ctx: Ctx, opts: WorldOptions = {}): Promise<World> {
    const w = new World(ctx, opts);
    try {
      await w.boot();
    } catch (err) {
      await w.close();
      throw err;
    }
    return w;
  }

  private async boot(): Promise<void> {
    await this.provider.start();
    this.cleanups.push(() => this.provider.close());
    if (this.dbConfig.kind === "pglite") {
      const dir = await newPgliteDataDir();
      (this.dbConfig as { dataDir: string }).dataDir = dir;
      this.cleanups.push(() => removePgliteDataDir(dir));
    } else {
      const { url, schema } = this.dbConfig;
      this.cleanups.push(() => dropPostgresSchema(url, schema).catch(() => {}));
    }
    await this.startServer();
  }

  private async startServer(): Promise<void> {
    if (this.opts.child) {
      this.proc = await spawnServer({
        implUrl: pathToFileURL(this.ctx.implPath).href,
        db: this.dbConfig,
        providerUrl: this.provider.url,
        adminToken: ADMIN,
        clockOffsetMs: this.clockOffset,
        maxLifetimeMs: 300_000, // an orphan guard only: seeds are slow on a busy machine
        ...(this.opts.config ? { config: this.opts.config } : {}),
      }, 90_000);
      return;
    }
    this.db = await openDb(this.dbConfig);
    this.inproc = await startApiServer({
      createChargeHandler: this.ctx.impl.createChargeHandler,
      db: this.db,
      providerUrl: this.provider.url,
      adminToken: ADMIN,
      clockOffsetMs: this.clockOffset,
      ...(this.opts.config ? { config: this.opts.config } : {}),
      ...(this.opts.providerTimeoutMs ? { providerTimeoutMs: this.opts.providerTimeoutMs } : {}),
      onNotImplemented: (m) => {
        this.notImplementedMessage ??= m;
      },
      onChargeRequest: (req, at) => this.received.push({ req, at, description: descriptionOf(req.body) }),
    });
  }

  get url(): string {
    const u = this.inproc?.url ?? this.proc?.url;
    if (!u) throw new Error("the server is not running");
    return u;
  }

  /** The server process (child worlds only). */
  get process(): ServerProcess | undefined {
    return this.proc;
  }

  /** Throw "not implemented" if the implementation reached a stub anywhere. */
  checkImplemented(): void {
    if (this.notImplementedMessage) throw notImplemented(this.notImplementedMessage);
  }

  /** POST /charges (or another path) straight to the server. A stub's 501 becomes NotImplemented. */
  async post(token: string | undefined, key: string | undefined, body: unknown, extra: { headers?: Record<string, string>; path?: string; method?: "POST"; timeoutMs?: number; url?: string } = {}): Promise<HttpReply> {
    const headers: Record<string, string> = { "content-type": "application/json", ...(extra.headers ?? {}) };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (key !== undefined) headers["idempotency-key"] = key;
    const reply = await sendHttp({ url: `${extra.url ?? this.url}${extra.path ?? "/charges"}`, method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body), timeoutMs: extra.timeoutMs ?? 5_000 });
    if (reply.status === 501) {
      const p = safeJson(reply.body) as { type?: string; detail?: string } | undefined;
      if (p?.type === NOT_IMPLEMENTED_TYPE) throw notImplemented(p.detail ?? "not implemented");
    }
    return reply;
  }

  /** Like post, but a missing response is fine: undefined. */
  async tryPost(token: string, key: string, body: unknown, timeoutMs = 5_000): Promise<HttpReply | undefined> {
    try {
      return await this.post(token, key, body, { timeoutMs });
    } catch (err) {
      if (err instanceof TransportError) return undefined;
      throw err;
    }
  }

  /** Another method or path (framework routes). */
  async raw(method: string, path: string, body = ""): Promise<HttpReply> {
    return sendHttp({ url: `${this.url}${path}`, method: method as "POST", headers: { "content-type": "application/json" }, body, timeoutMs: 5_000 });
  }

  /** Move the server's clock forward (kept across restarts). */
  async advanceClock(ms: number): Promise<void> {
    this.clockOffset += ms;
    if (this.inproc) this.inproc.advanceClock(ms);
    else if (this.proc && !this.proc.exited) await this.admin("POST", "/__admin/clock", { advanceMs: ms });
  }

  async armFailpoint(name: FailpointName, count = 1): Promise<void> {
    if (!this.proc) throw new Error("failpoints need a child server");
    await this.admin("POST", "/__admin/failpoints", { name, count });
  }

  /** Wait for the child server to die (at a failpoint), up to `ms`. */
  async waitForCrash(ms = 30_000): Promise<boolean> {
    const proc = this.proc;
    if (!proc) return false;
    let timer: NodeJS.Timeout | undefined;
    const died = await Promise.race([proc.exit.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
    clearTimeout(timer);
    return died;
  }

  /** SIGKILL the child server (if alive) and start a new one on the same database. */
  async restart(): Promise<void> {
    if (!this.proc) throw new Error("restart needs a child server");
    await this.proc.kill();
    this.proc = undefined;
    await this.startServer();
  }

  private async admin(method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
    const r = await sendHttp({ url: `${this.url}${path}`, method: method as "POST", headers: { "x-faultline-admin": ADMIN, "content-type": "application/json" }, body: body === undefined ? "" : JSON.stringify(body), timeoutMs: 5_000 });
    if (r.status !== 200) throw new Error(`admin ${path} answered ${r.status}: ${r.body}`);
    return JSON.parse(r.body);
  }

  /** Rows of the server's charges table. */
  async serverCharges(): Promise<Array<{ id: string; client_id: string; amount: number; description: string | null; provider_charge_id: string }>> {
    if (this.db) return (await this.db.query<{ id: string; client_id: string; amount: number; description: string | null; provider_charge_id: string }>("SELECT id, client_id, amount, description, provider_charge_id FROM charges")).rows;
    const r = (await this.admin("GET", "/__admin/charges")) as { charges: Array<{ id: string; client_id: string; amount: number; description: string | null; provider_charge_id: string }> };
    return r.charges;
  }

  /**
   * The invariant of every scenario: each logical payment charged exactly once at the provider
   * (`expected` gives the count per description; descriptions not listed must not be charged),
   * and every acknowledged 201 recorded in the server's charges table with its provider charge.
   */
  async audit(expected: ReadonlyMap<string, number>, acked: ReadonlyArray<{ body: string; what: string }>): Promise<void> {
    const ctx = this.ctx;
    const charged = new Map<string, number>();
    for (const e of this.provider.charges()) charged.set(e.description ?? "(none)", (charged.get(e.description ?? "(none)") ?? 0) + 1);
    for (const [desc, n] of expected) {
      const got = charged.get(desc) ?? 0;
      ctx.check(got === n, "each payment charged exactly once", () =>
        got === 0 ? `payment "${desc}" was never charged at the provider` : `payment "${desc}" was charged ${got} times at the provider${n === 1 ? "" : ` (expected ${n}: one per logical payment)`}`,
      );
    }
    for (const [desc, n] of charged) {
      ctx.check(expected.has(desc), "nothing charged that should not be", () => `the provider charged "${desc}" ${n} time(s), but that request must not be charged`);
    }
    const rows = await this.serverCharges();
    const ledger = new Set(this.provider.charges().map((e) => e.id));
    for (const a of acked) {
      const b = safeJson(a.body) as { id?: string; provider_charge_id?: string } | undefined;
      const row = rows.find((r) => r.id === b?.id);
      ctx.check(row !== undefined, "every acknowledged payment recorded", () => `${a.what} was acknowledged with charge ${b?.id ?? "(no id)"}, but the server's charges table has no such row (rows: ${rows.length})`);
      ctx.check(row!.provider_charge_id === b?.provider_charge_id && ledger.has(row!.provider_charge_id), "every acknowledged payment recorded", () => `${a.what}: charge ${b?.id} names provider charge ${b?.provider_charge_id}, the table has ${row!.provider_charge_id}; the provider knows ${ledger.has(row!.provider_charge_id) ? "it" : "no such charge"}`);
    }
    const perDesc = new Map<string, number>();
    for (const r of rows) perDesc.set(r.description ?? "", (perDesc.get(r.description ?? "") ?? 0) + 1);
    for (const [desc, n] of expected) {
      const got = perDesc.get(desc) ?? 0;
      ctx.check(got === n, "each payment recorded exactly once", () => `payment "${desc}" has ${got} rows in the server's charges table, expected ${n}`);
    }
  }

  async close(): Promise<void> {
    try {
      await this.proc?.kill();
    } catch {
      /* already gone */
    }
    this.proc = undefined;
    try {
      await this.inproc?.close();
    } catch {
      /* closing anyway */
    }
    this.inproc = undefined;
    try {
      await this.db?.close();
    } catch {
      /* closing anyway */
    }
    this.db = undefined;
    for (const c of this.cleanups.reverse()) {
      try {
        await c();
      } catch {
        /* best effort */
      }
    }
    this.cleanups.length = 0;
  }
}

export function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

export function descriptionOf(body: string): string | undefined {
  const b = safeJson(body) as { description?: unknown } | undefined;
  return typeof b?.description === "string" ? b.description : undefined;
}

/** Run `fn` with a world that is always closed afterwards. */
export async function withWorld(ctx: Ctx, opts: WorldOptions, fn: (w: World) => Promise<void>): Promise<void> {
  const w = await World.start(ctx, opts);
  try {
    await fn(w);
  } finally {
    await w.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
