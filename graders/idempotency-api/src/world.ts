/**
 * One graded run's world: the provider (with its audited ledger), a database (PGlite data
 * directory, or a schema on the PostgreSQL server of DATABASE_URL), the API server running the
 * implementation's handler and, for part E, the implementation's clients, and the end-of-run
 * audit. The handler and the clients run in restricted processes of their own (see
 * learner-bundle.ts); the provider, the proxies and every check run here, where learner code
 * cannot reach them. Everything is closed in `close()`, also after a failure.
 */
import { randomBytes } from "node:crypto";
import { Rng } from "@faultline/sim";
import type { ProcessBundle, ScenarioContext } from "@faultline/grading";
import {
  dropPostgresSchema,
  newPgliteDataDir,
  NOT_IMPLEMENTED_TYPE,
  ProviderServer,
  removePgliteDataDir,
  sendHttp,
  TransportError,
  type ChargeHandler,
  type DbConfig,
  type FailpointName,
  type HttpReply,
  type ProviderFaults,
  type ServiceConfig,
  type ServiceDeps,
} from "@faultline/lab-idempotency-api/framework";
import { learnerBundle } from "./learner-bundle.ts";
import { startServerProcess, type ServerProcess } from "./server-process.ts";
import { ClientProcess, ClientProcessError, type ClientSpec, type RemoteClient } from "./client-process.ts";

/** The lab's exports (the grader never imports them: they run in the processes above). */
export interface LabModule {
  createChargeHandler(deps: ServiceDeps): ChargeHandler;
  PaymentsClient: new (
    opts: import("@faultline/lab-idempotency-api").ClientOptions,
  ) => {
    createCharge(
      input: import("@faultline/lab-idempotency-api").ChargeInput,
      opts?: { idempotencyKey?: string },
    ): Promise<import("@faultline/lab-idempotency-api").ChargeOutcome>;
  };
}

export type Ctx = ScenarioContext<LabModule>;

export interface WorldOptions {
  provider?: ProviderFaults;
  config?: Partial<ServiceConfig>;
  /** The server's provider-call timeout (default PROVIDER_TIMEOUT_MS). */
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

/** How the audit names payments without a description (in `expected`). */
export const NO_DESCRIPTION = "(no description)";

const ADMIN = "grader-admin";
/**
 * How long the server's provider calls wait. No test is about a slow provider (outages answer at
 * once), and on a busy machine a provider in another process can take seconds to answer.
 */
const PROVIDER_TIMEOUT_MS = 15_000;
/** How long after a lost connection the grader waits to see whether the server process died. */
const DEATH_GRACE_MS = 500;

export class World {
  readonly provider: ProviderServer;
  private proc: ServerProcess | undefined;
  private bundle: ProcessBundle | undefined;
  private clients: ClientProcess | undefined;
  /** A failpoint is armed or a restart is under way: the server's death is the test's doing. */
  private crashExpected = false;
  private clockOffset = 0;
  private readonly dbConfig: DbConfig;
  private readonly cleanups: Array<() => Promise<void> | void> = [];

  private constructor(
    readonly ctx: Ctx,
    readonly opts: WorldOptions,
  ) {
    this.provider = new ProviderServer({
      random: (
        (r) => () =>
          r.next()
      )(new Rng(ctx.seed, "provider")),
      faults: opts.provider ?? {},
    });
    const url = process.env.DATABASE_URL;
    this.dbConfig = url
      ? { kind: "postgres", url, schema: `fl_${ctx.seed}_${randomBytes(6).toString("hex")}` }
      : { kind: "pglite", dataDir: "" };
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
    const bundle = (this.bundle = await learnerBundle(this.ctx.implPath));
    try {
      this.proc = await startServerProcess(bundle, {
        role: "server",
        db: this.dbConfig,
        providerUrl: this.provider.url,
        adminToken: ADMIN,
        clockOffsetMs: this.clockOffset,
        maxLifetimeMs: 300_000, // an orphan guard only: seeds are slow on a busy machine
        ...(this.opts.config ? { config: this.opts.config } : {}),
        providerTimeoutMs: this.opts.providerTimeoutMs ?? PROVIDER_TIMEOUT_MS,
      });
    } catch (err) {
      this.ctx.fail("the server starts", `${(err as Error).message}`);
    }
  }

  get url(): string {
    const u = this.proc?.url;
    if (!u) throw new Error("the server is not running");
    return u;
  }

  /** Throw "not implemented" if the implementation reached a stub anywhere. */
  checkImplemented(): void {
    const m = this.proc?.notImplemented;
    if (m) throw notImplemented(m);
  }

  /** A PaymentsClient of the implementation, in the world's client process (started on first use). */
  client(spec: Omit<ClientSpec, "seed">): RemoteClient {
    this.clients ??= ClientProcess.start(this.bundleNow());
    const remote = this.clients.client({ ...spec, seed: this.ctx.seed });
    return {
      createCharge: async (input, opts) => {
        try {
          return await remote.createCharge(input, opts);
        } catch (err) {
          if (err instanceof ClientProcessError)
            throw err.notImplemented
              ? notImplemented(err.message.replace(/^.*threw NotImplemented: /, ""))
              : this.ctx.fail("your client", err.message);
          throw err;
        }
      },
    };
  }

  /** The bundle the running server was started from (a client is made after the server). */
  private bundleNow() {
    const b = this.bundle;
    if (!b) throw new Error("the world has not started");
    return b;
  }

  /** POST /charges (or another path) straight to the server. A stub's 501 becomes NotImplemented. */
  async post(
    token: string | undefined,
    key: string | undefined,
    body: unknown,
    extra: { headers?: Record<string, string>; path?: string; method?: "POST"; timeoutMs?: number; url?: string } = {},
  ): Promise<HttpReply> {
    const headers: Record<string, string> = { "content-type": "application/json", ...(extra.headers ?? {}) };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (key !== undefined) headers["idempotency-key"] = key;
    let reply: HttpReply;
    try {
      reply = await sendHttp({
        url: `${extra.url ?? this.url}${extra.path ?? "/charges"}`,
        method: "POST",
        headers,
        body: typeof body === "string" ? body : JSON.stringify(body),
        timeoutMs: extra.timeoutMs ?? 5_000,
      });
    } catch (err) {
      if (err instanceof TransportError) await this.checkAlive();
      throw err;
    }
    if (reply.status === 501) {
      const p = safeJson(reply.body) as { type?: string; detail?: string } | undefined;
      if (p?.type === NOT_IMPLEMENTED_TYPE) throw notImplemented(p.detail ?? "not implemented");
    }
    return reply;
  }

  /**
   * After a lost connection: if the server process died and no test step made it die, that is
   * the implementation's doing (process.exit, a crash), and the seed fails saying so.
   */
  private async checkAlive(): Promise<void> {
    const proc = this.proc;
    if (!proc || this.crashExpected) return;
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      proc.exit,
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), DEATH_GRACE_MS))),
    ]);
    clearTimeout(timer);
    if (!ended || this.crashExpected) return;
    const how = ended.signal
      ? `was killed (${ended.signal})`
      : `exited with code ${ended.code}${ended.code === 0 ? " (did your code call process.exit?)" : ""}`;
    const said = proc.output().trim().split("\n").slice(-10).join("\n");
    this.ctx.fail(
      "the server keeps running",
      `the server process ${how} while handling requests, though no test step stopped it${said ? `; its last output:\n${said}` : ""}`,
    );
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
    return sendHttp({
      url: `${this.url}${path}`,
      method: method as "POST",
      headers: { "content-type": "application/json" },
      body,
      timeoutMs: 5_000,
    });
  }

  /** Move the server's clock forward (kept across restarts). */
  async advanceClock(ms: number): Promise<void> {
    this.clockOffset += ms;
    if (this.proc && !this.proc.exited) await this.admin("POST", "/__admin/clock", { advanceMs: ms });
  }

  /** Arm a failpoint: the server process SIGKILLs itself there. */
  async armFailpoint(name: FailpointName, count = 1): Promise<void> {
    this.crashExpected = true;
    await this.admin("POST", "/__admin/failpoints", { name, count });
  }

  /** Wait for the server process to die (at a failpoint), up to `ms`. */
  async waitForCrash(ms = 30_000): Promise<boolean> {
    const proc = this.proc;
    if (!proc) return false;
    let timer: NodeJS.Timeout | undefined;
    const died = await Promise.race([
      proc.exit.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
    ]);
    clearTimeout(timer);
    return died;
  }

  /** SIGKILL the server process (if alive) and start a new one on the same database. */
  async restart(): Promise<void> {
    this.crashExpected = true;
    await this.proc?.kill();
    this.proc = undefined;
    await this.startServer();
    this.crashExpected = false;
  }

  private async admin(method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
    const r = await sendHttp({
      url: `${this.url}${path}`,
      method: method as "POST",
      headers: { "x-faultline-admin": ADMIN, "content-type": "application/json" },
      body: body === undefined ? "" : JSON.stringify(body),
      timeoutMs: 5_000,
    });
    if (r.status !== 200) throw new Error(`admin ${path} answered ${r.status}: ${r.body}`);
    return JSON.parse(r.body);
  }

  /**
   * Rows of the server's charges table, as the server's admin route reports them. (They come
   * from the implementation's process; the money is counted on the provider's ledger, here.)
   */
  async serverCharges(): Promise<
    Array<{ id: string; client_id: string; amount: number; description: string | null; provider_charge_id: string }>
  > {
    const r = (await this.admin("GET", "/__admin/charges")) as { charges?: unknown };
    if (!Array.isArray(r.charges))
      this.ctx.fail(
        "every acknowledged payment recorded",
        `the server's admin route answered ${JSON.stringify(r).slice(0, 200)} instead of the charges table`,
      );
    return r.charges as Array<{
      id: string;
      client_id: string;
      amount: number;
      description: string | null;
      provider_charge_id: string;
    }>;
  }

  /**
   * The invariant of every scenario: each logical payment charged exactly once at the provider
   * (`expected` gives the count per description; descriptions not listed must not be charged),
   * and every acknowledged 201 recorded in the server's charges table with its provider charge.
   */
  async audit(
    expected: ReadonlyMap<string, number>,
    acked: ReadonlyArray<{ body: string; what: string }>,
  ): Promise<void> {
    const ctx = this.ctx;
    const charged = new Map<string, number>();
    for (const e of this.provider.charges())
      charged.set(e.description ?? NO_DESCRIPTION, (charged.get(e.description ?? NO_DESCRIPTION) ?? 0) + 1);
    for (const [desc, n] of expected) {
      const got = charged.get(desc) ?? 0;
      ctx.check(got === n, "each payment charged exactly once", () =>
        got === 0
          ? `payment "${desc}" was never charged at the provider`
          : `payment "${desc}" was charged ${got} times at the provider${n === 1 ? "" : ` (expected ${n}: one per logical payment)`}`,
      );
    }
    for (const [desc, n] of charged) {
      ctx.check(
        expected.has(desc),
        "nothing charged that should not be",
        () => `the provider charged "${desc}" ${n} time(s), but that request must not be charged`,
      );
    }
    const rows = await this.serverCharges();
    const ledger = new Set(this.provider.charges().map((e) => e.id));
    for (const a of acked) {
      const b = safeJson(a.body) as { id?: string; provider_charge_id?: string } | undefined;
      const row = rows.find((r) => r.id === b?.id);
      ctx.check(
        row !== undefined,
        "every acknowledged payment recorded",
        () =>
          `${a.what} was acknowledged with charge ${b?.id ?? "(no id)"}, but the server's charges table has no such row (rows: ${rows.length})`,
      );
      ctx.check(
        row!.provider_charge_id === b?.provider_charge_id && ledger.has(row!.provider_charge_id),
        "every acknowledged payment recorded",
        () =>
          `${a.what}: charge ${b?.id} names provider charge ${b?.provider_charge_id}, the table has ${row!.provider_charge_id}; the provider knows ${ledger.has(row!.provider_charge_id) ? "it" : "no such charge"}`,
      );
    }
    const perDesc = new Map<string, number>();
    for (const r of rows)
      perDesc.set(r.description ?? NO_DESCRIPTION, (perDesc.get(r.description ?? NO_DESCRIPTION) ?? 0) + 1);
    for (const [desc, n] of expected) {
      const got = perDesc.get(desc) ?? 0;
      ctx.check(
        got === n,
        "each payment recorded exactly once",
        () => `payment "${desc}" has ${got} rows in the server's charges table, expected ${n}`,
      );
    }
  }

  async close(): Promise<void> {
    this.crashExpected = true;
    try {
      await this.proc?.kill();
    } catch {
      /* already gone */
    }
    this.proc = undefined;
    try {
      await this.clients?.close();
    } catch {
      /* already gone */
    }
    this.clients = undefined;
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
