/**
 * The process your code runs in when it is graded. The grader bundles your src/ with this file
 * and starts the bundle under Node's permission model (it reads the bundle and the database
 * packages, writes only its database directory, starts no process), in one of three roles given
 * by FAULTLINE_IDEM_HOST:
 *   server   the API server with your charge handler on its own database; prints
 *            "faultline:listening <port>", may be SIGKILLed and restarted at any time;
 *   client   your PaymentsClient, driven by the grader over the IPC channel with JSON messages;
 *   load     only loads your module and checks its exports (the "does it load" check).
 * The provider and every check stay in the grader's process, out of reach of this one.
 */
import { Rng } from "@faultline/sim";
import { openDb, type DbConfig } from "./db.ts";
import { startApiServer } from "./server.ts";
import type { ChargeHandler, ServiceConfig, ServiceDeps } from "./types.ts";

export interface ServerRole {
  role: "server";
  db: DbConfig;
  providerUrl: string;
  adminToken: string;
  config?: Partial<ServiceConfig>;
  /** Start the server clock this far ahead of real time (ms). */
  clockOffsetMs?: number;
  /** How long the handler's provider calls wait for an answer (default 2000 ms). */
  providerTimeoutMs?: number;
  /** The process exits by itself after this many ms (an orphan guard; default 300 s). */
  maxLifetimeMs?: number;
}

export type HostRole = ServerRole | { role: "client"; maxLifetimeMs?: number } | { role: "load" };

/** What the grader asks of a client process: make a client, or run one createCharge. */
export type ClientRequest =
  | { id: number; op: "new"; client: number; opts: ClientSpec }
  | { id: number; op: "charge"; client: number; input: unknown; idempotencyKey?: string };

/** A PaymentsClient's options as JSON: the random source is a seeded stream named here. */
export interface ClientSpec {
  baseUrl: string;
  token: string;
  seed: number;
  stream: string;
  /** A random source that always returns this number (in [0, 1)) instead of the seeded stream. */
  fixedRandom?: number;
  maxAttempts?: number;
  attemptTimeoutMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export type ClientReply = { id: number; outcome?: unknown; error?: { name: string; message: string } };

/** Lines of the server role's stdout that the grader reads (anything else is your output). */
export const LISTENING = "faultline:listening ";
export const NOT_IMPLEMENTED_LINE = "faultline:not-implemented ";
export const LOADED = "faultline:loaded";

interface Impl {
  createChargeHandler?: (deps: ServiceDeps) => ChargeHandler;
  PaymentsClient?: new (
    opts: Record<string, unknown>,
  ) => { createCharge(input: unknown, opts?: { idempotencyKey?: string }): Promise<unknown> };
}

export async function runHost(impl: Impl): Promise<void> {
  const role = JSON.parse(process.env.FAULTLINE_IDEM_HOST ?? '{"role":"load"}') as HostRole;
  if (role.role === "load") return load(impl);
  const guard = setTimeout(() => process.exit(3), role.maxLifetimeMs ?? 300_000);
  guard.unref();
  // The grader holds our stdin open; when it goes away, so do we.
  process.stdin.on("end", () => process.exit(4));
  process.stdin.on("error", () => process.exit(4));
  process.stdin.resume();
  if (role.role === "server") await serve(impl, role);
  else client(impl);
}

function load(impl: Impl): void {
  for (const name of ["createChargeHandler", "PaymentsClient"] as const) {
    if (typeof impl[name] !== "function") {
      process.stderr.write(
        `the module does not export ${name} (a ${name === "PaymentsClient" ? "class" : "function"})\n`,
      );
      process.exit(2);
    }
  }
  process.stdout.write(`${LOADED}\n`);
}

async function serve(impl: Impl, cfg: ServerRole): Promise<void> {
  const create = impl.createChargeHandler;
  if (typeof create !== "function") throw new Error("the module does not export createChargeHandler");
  const db = await openDb(cfg.db);
  const server = await startApiServer({
    createChargeHandler: create,
    db,
    providerUrl: cfg.providerUrl,
    adminToken: cfg.adminToken,
    failpointsKillProcess: true,
    clockOffsetMs: cfg.clockOffsetMs ?? 0,
    onNotImplemented: (message) => process.stdout.write(`${NOT_IMPLEMENTED_LINE}${JSON.stringify(message)}\n`),
    ...(cfg.config ? { config: cfg.config } : {}),
    ...(cfg.providerTimeoutMs ? { providerTimeoutMs: cfg.providerTimeoutMs } : {}),
  });
  process.stdout.write(`${LISTENING}${server.port}\n`);
}

function client(impl: Impl): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error("a client host needs an IPC channel");
  process.on("disconnect", () => process.exit(0));
  const clients = new Map<number, InstanceType<NonNullable<Impl["PaymentsClient"]>>>();
  const fail = (id: number, err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    send({ id, error: { name: String(e.name), message: String(e.message) } } satisfies ClientReply);
  };
  process.on("message", (m: ClientRequest) => {
    try {
      if (m.op === "new") {
        const Client = impl.PaymentsClient;
        if (typeof Client !== "function") throw new Error("the module does not export PaymentsClient");
        const { seed, stream, fixedRandom, ...opts } = m.opts;
        const rng = new Rng(seed, `client:${stream}`);
        const random = fixedRandom === undefined ? () => rng.next() : () => fixedRandom;
        clients.set(m.client, new Client({ ...opts, random }));
        send({ id: m.id, outcome: null } satisfies ClientReply);
        return;
      }
      const c = clients.get(m.client);
      if (!c) throw new Error(`no client ${m.client}`);
      c.createCharge(m.input, m.idempotencyKey === undefined ? {} : { idempotencyKey: m.idempotencyKey }).then(
        (outcome) => {
          try {
            // Only JSON goes back: whatever the outcome holds beyond that is lost on the way.
            send({ id: m.id, outcome: JSON.parse(JSON.stringify(outcome ?? null)) as unknown } satisfies ClientReply);
          } catch (err) {
            fail(m.id, err);
          }
        },
        (err: unknown) => fail(m.id, err),
      );
    } catch (err) {
      fail(m.id, err);
    }
  });
}
