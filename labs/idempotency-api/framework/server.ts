/**
 * The HTTP server of the lab: routing, body limit, admin routes for the grader, failpoints.
 * Your charge handler (createChargeHandler in src/) answers POST /charges; everything else is
 * answered here:
 *   GET  /health                       200 {"status":"ok"}
 *   POST /charges                      your handler (after the 413 body limit)
 *   any other method on /charges       405 method-not-allowed (Allow: POST)
 *   any other path                     404 not-found
 * Admin routes (only with the x-faultline-admin header given at start): /__admin/clock,
 * /__admin/failpoints, /__admin/charges.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { readBody } from "./http.ts";
import { problem, PROBLEM_TYPE_PREFIX } from "./problem.ts";
import { ProviderClient } from "./provider.ts";
import type { ApiRequest, ApiResponse, ChargeHandler, Db, ServiceConfig, ServiceDeps } from "./types.ts";

export const DEFAULT_CONFIG: ServiceConfig = { retentionMs: 24 * 3600_000, leaseMs: 10_000 };
export const MAX_BODY_BYTES = 16 * 1024;
export const NOT_IMPLEMENTED_TYPE = `${PROBLEM_TYPE_PREFIX}not-implemented`;

export type FailpointName = "provider.after-charge" | "server.after-reply";
export const FAILPOINTS: readonly FailpointName[] = ["provider.after-charge", "server.after-reply"];

export interface ApiServerOptions {
  /** The lab implementation's factory (createChargeHandler of src/, reference/ or a mutant). */
  createChargeHandler: (deps: ServiceDeps) => ChargeHandler;
  db: Db;
  providerUrl: string;
  config?: Partial<ServiceConfig>;
  port?: number;
  /** Enables the /__admin routes for requests carrying this value in x-faultline-admin. */
  adminToken?: string;
  /** Whether armed failpoints kill this process (SIGKILL); only for a server in its own process. */
  failpointsKillProcess?: boolean;
  /** Called when the handler reached unimplemented code (a stub). */
  onNotImplemented?: (message: string) => void;
  /** Called on every request that reached POST /charges, with the wall time (ms). */
  onChargeRequest?: (req: ApiRequest, at: number) => void;
  /** Start the server's clock this far ahead of real time (ms), e.g. to keep an offset across restarts. */
  clockOffsetMs?: number;
  /** How long the handler's provider calls wait for an answer (default 2000 ms). */
  providerTimeoutMs?: number;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  /** Move the server's clock forward (expiry, leases). */
  advanceClock(ms: number): void;
  now(): number;
  armFailpoint(name: FailpointName, count?: number): void;
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const config: ServiceConfig = { ...DEFAULT_CONFIG, ...(opts.config ?? {}) };
  let offset = opts.clockOffsetMs ?? 0;
  const now = () => Date.now() + offset;
  const armed = new Map<FailpointName, number>();
  const crash = (name: FailpointName) => {
    if (!opts.failpointsKillProcess) throw new Error(`failpoint ${name} fired in a server without its own process`);
    process.kill(process.pid, "SIGKILL");
  };
  const hit = (name: FailpointName): boolean => {
    const n = armed.get(name);
    if (n === undefined) return false;
    if (n <= 1) {
      armed.delete(name);
      return true;
    }
    armed.set(name, n - 1);
    return false;
  };
  const provider = new ProviderClient(opts.providerUrl, opts.providerTimeoutMs ?? 2_000, {
    afterCharge: (r) => {
      if (r.outcome === "succeeded" && hit("provider.after-charge")) crash("provider.after-charge");
    },
  });
  const deps: ServiceDeps = {
    db: opts.db,
    provider,
    config,
    now,
    newId: (prefix) => `${prefix}${randomBytes(12).toString("hex")}`,
  };
  const handler = opts.createChargeHandler(deps);
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, r: ApiResponse, after?: () => void) => {
    if (res.destroyed) return;
    const headers = { ...(r.headers ?? {}), "content-length": String(Buffer.byteLength(r.body)) };
    res.writeHead(r.status, headers);
    res.end(r.body);
    after?.();
  };
  const json = (status: number, obj: unknown): ApiResponse => ({
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(obj),
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    if (path === "/health" && method === "GET") return send(res, json(200, { status: "ok" }));
    if (
      path.startsWith("/__admin/") &&
      opts.adminToken !== undefined &&
      headers["x-faultline-admin"] === opts.adminToken
    ) {
      return send(res, await admin(method, path, req));
    }
    if (path !== "/charges") {
      req.resume();
      return send(
        res,
        problem(404, "not-found", "Not found", `no route for ${method} ${path}; the API has POST /charges`),
      );
    }
    if (method !== "POST") {
      req.resume();
      return send(
        res,
        problem(
          405,
          "method-not-allowed",
          "Method not allowed",
          `${method} ${path} is not supported; use POST`,
          {},
          { allow: "POST" },
        ),
      );
    }
    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw === undefined)
      return send(
        res,
        problem(413, "payload-too-large", "Payload too large", `the body is over the limit of ${MAX_BODY_BYTES} bytes`),
      );
    const apiReq: ApiRequest = { method, path, headers, body: raw.toString("utf8") };
    opts.onChargeRequest?.(apiReq, Date.now());
    let out: ApiResponse;
    try {
      out = await handler(apiReq);
    } catch (err) {
      const e = err as Error;
      if (e?.name === "NotImplemented") {
        opts.onNotImplemented?.(e.message);
        out = problem(501, "not-implemented", "Not implemented", e.message);
      } else {
        out = problem(
          500,
          "internal-error",
          "Internal server error",
          `the handler threw: ${e?.name ?? "Error"}: ${e?.message ?? String(err)}`,
        );
      }
    }
    send(res, out, () => {
      if (hit("server.after-reply")) {
        // res.end() hands the bytes to the socket on the next tick; die right after that.
        process.nextTick(() => process.nextTick(() => crash("server.after-reply")));
      }
    });
  }

  async function admin(method: string, path: string, req: IncomingMessage): Promise<ApiResponse> {
    const raw = (await readBody(req, MAX_BODY_BYTES)) ?? Buffer.alloc(0);
    const body = raw.length > 0 ? (JSON.parse(raw.toString("utf8")) as Record<string, unknown>) : {};
    if (method === "POST" && path === "/__admin/clock") {
      offset += Number(body.advanceMs ?? 0);
      return json(200, { now: now() });
    }
    if (method === "POST" && path === "/__admin/failpoints") {
      const name = body.name as FailpointName;
      if (!FAILPOINTS.includes(name))
        return json(400, { error: `unknown failpoint ${String(name)}; failpoints: ${FAILPOINTS.join(", ")}` });
      armed.set(name, Number(body.count ?? 1));
      return json(200, { armed: Object.fromEntries(armed) });
    }
    if (method === "GET" && path === "/__admin/charges") {
      const r = await opts.db.query(
        "SELECT id, client_id, amount, currency, source, description, provider_charge_id FROM charges ORDER BY created_at, id",
      );
      return json(200, { charges: r.rows });
    }
    return json(404, { error: "unknown admin route" });
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: Error) => {
      if (!res.headersSent) send(res, problem(500, "internal-error", "Internal server error", err.message));
      else res.destroy();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    advanceClock(ms) {
      offset += ms;
    },
    now,
    armFailpoint(name, count = 1) {
      armed.set(name, count);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
