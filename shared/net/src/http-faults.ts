/**
 * A seeded fault-injecting HTTP proxy on loopback.
 *
 * It sits between a client and an HTTP server (`target`) and, per request, may
 *   - lose the request: the client's connection is reset and nothing is forwarded;
 *   - lose the response: the request is forwarded and answered, then the reply is dropped
 *     (the client's connection is reset, or held open until `holdMs` and then reset);
 *   - duplicate the request: a second copy is forwarded too (its answer is discarded);
 *   - delay the request before forwarding and/or the reply before sending it;
 *   - answer the request itself (a scripted `answer`, e.g. the 429 or 500 of a gateway in front
 *     of the server) without forwarding it.
 *
 * Decisions are reproducible: each request draws from its own stream of the seed, named by
 * `keyOf(request)` and the number of earlier requests with that name (by default the method,
 * the path and the Idempotency-Key header), so the same seed gives the same fault pattern
 * whatever the interleaving of concurrent requests.
 *
 * Everything is bounded: the number of requests, body sizes, delays, held replies, upstream
 * time. The proxy binds 127.0.0.1 only, and `close()` destroys every socket and timer.
 */
import {
  STATUS_CODES,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { readLimited } from "./http-util.ts";
import { Rng } from "@faultline/sim";

export interface HttpFaultRates {
  /** Probability that a request is lost (connection reset, nothing forwarded). */
  loseRequest?: number;
  /** Probability that a response is lost after the request was served. */
  loseResponse?: number;
  /** Probability that a request is forwarded twice. */
  duplicate?: number;
  /** Probability that a request (and separately its reply) is delayed. */
  delay?: number;
  /** Delay range in ms, uniform (default [10, 100]). */
  delayMs?: readonly [number, number];
}

/** What happens to one request. */
export interface HttpFaultPlan {
  loseRequest: boolean;
  loseResponse: boolean;
  duplicate: boolean;
  /** Wait before forwarding (ms). */
  requestDelayMs: number;
  /** Wait before sending the reply back (ms). */
  responseDelayMs: number;
  /** Answer with this instead of forwarding (only from `decide`; never drawn from the seed). */
  answer?: HttpCannedAnswer;
}

/** A reply the proxy sends itself, as a rate limiter or a failing gateway would. */
export interface HttpCannedAnswer {
  status: number;
  /** Default: text/plain. */
  contentType?: string;
  /** Default: the status's reason phrase ("Too Many Requests"). */
  body?: string;
}

/** The request as the fault decision sees it. */
export interface HttpRequestInfo {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The request's stream name (`keyOf`) and how many requests had that name before it. */
  key: string;
  occurrence: number;
}

export type HttpFaultEventKind =
  | "forwarded"
  | "lost-request"
  | "lost-response"
  | "duplicated"
  | "delayed"
  | "upstream-error"
  | "rejected"
  | "answered";

export interface HttpFaultEvent {
  /** Milliseconds since the proxy started. */
  at: number;
  kind: HttpFaultEventKind;
  method: string;
  url: string;
  key: string;
  occurrence: number;
  /** Status of the upstream reply, or of the proxy's own answer ("answered"). */
  status?: number;
  detail?: string;
}

export interface HttpFaultProxyOptions {
  /** The server to forward to, e.g. "http://127.0.0.1:4100". Must be a loopback http URL. */
  target: string;
  seed: number;
  /** Name of this proxy's random streams (default "http-faults"). */
  stream?: string;
  faults?: HttpFaultRates;
  /** Per-request override: return a (partial) plan to script a fault, undefined for the seeded one. */
  decide?: (info: HttpRequestInfo, seeded: HttpFaultPlan) => Partial<HttpFaultPlan> | undefined;
  /** The name of a request's random stream (default: method, path and Idempotency-Key). */
  keyOf?: (info: Omit<HttpRequestInfo, "key" | "occurrence">) => string;
  /** "reset" (default): a lost response resets the client's connection at once; "hang": it is held for `holdMs`, then reset. */
  lostResponseMode?: "reset" | "hang";
  /** How long a lost response is held in "hang" mode (default 5000 ms, at most 60000). */
  holdMs?: number;
  /** Requests served before the proxy answers 503 to everything (default 10000). */
  maxRequests?: number;
  /** Largest request or response body (default 1 MiB); larger requests get 413 from the proxy. */
  maxBodyBytes?: number;
  /** Upstream time limit per forwarded request (default 10000 ms); then the client is reset. */
  upstreamTimeoutMs?: number;
  /** Largest delay applied (default 5000 ms). */
  maxDelayMs?: number;
  /** Keep at most this many events (default 10000; older ones are dropped). */
  maxEvents?: number;
}

export interface HttpFaultStats {
  requests: number;
  forwarded: number;
  lostRequests: number;
  lostResponses: number;
  duplicates: number;
  delayed: number;
  upstreamErrors: number;
  rejected: number;
  /** Requests the proxy answered itself (a scripted `answer`). */
  answered: number;
}

export interface HttpFaultProxy {
  /** Base URL of the proxy, e.g. "http://127.0.0.1:41234". */
  readonly url: string;
  readonly port: number;
  readonly stats: Readonly<HttpFaultStats>;
  /** What happened, in order (bounded by maxEvents). */
  readonly events: readonly HttpFaultEvent[];
  /** Change the fault rates from now on. */
  setFaults(faults: HttpFaultRates): void;
  /** Point the proxy at another upstream (e.g. a restarted server on a new port). */
  setTarget(target: string): void;
  close(): Promise<void>;
}

const NO_FAULT: HttpFaultPlan = {
  loseRequest: false,
  loseResponse: false,
  duplicate: false,
  requestDelayMs: 0,
  responseDelayMs: 0,
};
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "content-length",
]);

function checkTarget(target: string): URL {
  const u = new URL(target);
  if (u.protocol !== "http:") throw new Error(`http-faults: target must be an http:// URL, got ${target}`);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname))
    throw new Error(`http-faults: target must be on loopback, got ${u.hostname}`);
  return u;
}

function clampRate(p: number | undefined): number {
  return p === undefined || !(p > 0) ? 0 : Math.min(1, p);
}

/** The seeded plan for one request (exported for tests and for tools that want the same draws). */
export function planFor(
  seed: number,
  stream: string,
  key: string,
  occurrence: number,
  faults: HttpFaultRates,
  maxDelayMs = 5_000,
): HttpFaultPlan {
  const rng = new Rng(seed, `${stream}:${key}#${occurrence}`);
  const [lo, hi] = faults.delayMs ?? [10, 100];
  const delay = () => Math.max(0, Math.min(maxDelayMs, rng.range(lo, Math.max(lo, hi))));
  // Fixed draw order so turning one fault off does not shift the others.
  const loseRequest = rng.chance(clampRate(faults.loseRequest));
  const loseResponse = rng.chance(clampRate(faults.loseResponse));
  const duplicate = rng.chance(clampRate(faults.duplicate));
  const delayReq = rng.chance(clampRate(faults.delay));
  const reqDelay = delay();
  const delayRes = rng.chance(clampRate(faults.delay));
  const resDelay = delay();
  return {
    loseRequest,
    loseResponse: !loseRequest && loseResponse,
    duplicate: !loseRequest && duplicate,
    requestDelayMs: delayReq ? reqDelay : 0,
    responseDelayMs: delayRes ? resDelay : 0,
  };
}

function defaultKeyOf(info: { method: string; url: string; headers: IncomingHttpHeaders }): string {
  const k = info.headers["idempotency-key"];
  return `${info.method} ${info.url.split("?")[0]} ${Array.isArray(k) ? k.join(",") : (k ?? "")}`;
}

interface UpstreamReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export async function startHttpFaultProxy(opts: HttpFaultProxyOptions): Promise<HttpFaultProxy> {
  let target = checkTarget(opts.target);
  let faults: HttpFaultRates = { ...(opts.faults ?? {}) };
  const stream = opts.stream ?? "http-faults";
  const maxRequests = opts.maxRequests ?? 10_000;
  const maxBody = opts.maxBodyBytes ?? 1 << 20;
  const upstreamTimeout = opts.upstreamTimeoutMs ?? 10_000;
  const maxDelay = Math.min(opts.maxDelayMs ?? 5_000, 60_000);
  const holdMs = Math.min(opts.holdMs ?? 5_000, 60_000);
  const maxEvents = opts.maxEvents ?? 10_000;
  const mode = opts.lostResponseMode ?? "reset";
  const keyOf = opts.keyOf ?? defaultKeyOf;
  const started = Date.now();
  const stats: HttpFaultStats = {
    requests: 0,
    forwarded: 0,
    lostRequests: 0,
    lostResponses: 0,
    duplicates: 0,
    delayed: 0,
    upstreamErrors: 0,
    rejected: 0,
    answered: 0,
  };
  const events: HttpFaultEvent[] = [];
  const occurrences = new Map<string, number>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const upstreamReqs = new Set<ReturnType<typeof httpRequest>>();
  let closed = false;

  const record = (e: Omit<HttpFaultEvent, "at">) => {
    events.push({ at: Date.now() - started, ...e });
    if (events.length > maxEvents) events.splice(0, events.length - maxEvents);
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || closed) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const forward = (method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): Promise<UpstreamReply> =>
    new Promise((resolve, reject) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(headers))
        if (v !== undefined && !HOP_BY_HOP.has(k) && k !== "host") out[k] = v;
      out["content-length"] = String(body.length);
      const req = httpRequest(
        {
          host: target.hostname.replace(/^\[|\]$/g, ""),
          port: target.port,
          method,
          path: url,
          headers: out,
          agent: false,
        },
        (res) => {
          readLimited(res, maxBody).then(
            (b) => {
              upstreamReqs.delete(req);
              clearTimeout(timer);
              if (b === undefined) reject(new Error("upstream reply over the body limit"));
              else resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b });
            },
            (err: Error) => {
              upstreamReqs.delete(req);
              clearTimeout(timer);
              reject(err);
            },
          );
        },
      );
      upstreamReqs.add(req);
      const timer = setTimeout(() => {
        timers.delete(timer);
        req.destroy(new Error(`upstream did not answer within ${upstreamTimeout} ms`));
      }, upstreamTimeout);
      timers.add(timer);
      req.on("error", (err) => {
        upstreamReqs.delete(req);
        clearTimeout(timer);
        reject(err);
      });
      req.end(body);
    });

  const reset = (res: ServerResponse) => {
    res.socket?.destroy();
    res.destroy();
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    stats.requests++;
    let body: Buffer | undefined;
    try {
      body = await readLimited(req, maxBody);
    } catch {
      return;
    }
    const base = { method, url, headers: req.headers };
    if (body === undefined || stats.requests > maxRequests) {
      stats.rejected++;
      const why =
        body === undefined
          ? "request body over the proxy's limit"
          : `over the proxy's limit of ${maxRequests} requests`;
      record({ kind: "rejected", method, url, key: "", occurrence: 0, detail: why });
      res.writeHead(body === undefined ? 413 : 503, { "content-type": "text/plain" });
      res.end(why);
      return;
    }
    const key = keyOf({ ...base, body });
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    const seeded = planFor(opts.seed, stream, key, occurrence, faults, maxDelay);
    const plan: HttpFaultPlan = {
      ...NO_FAULT,
      ...seeded,
      ...(opts.decide?.({ ...base, body, key, occurrence }, seeded) ?? {}),
    };
    const ev = { method, url, key, occurrence };

    if (plan.loseRequest) {
      stats.lostRequests++;
      record({ kind: "lost-request", ...ev });
      return reset(res);
    }
    if (plan.answer) {
      const { status, contentType = "text/plain", body: text = STATUS_CODES[status] ?? String(status) } = plan.answer;
      stats.answered++;
      record({ kind: "answered", ...ev, status });
      const out = Buffer.from(text, "utf8");
      res.writeHead(status, { "content-type": contentType, "content-length": String(out.length) });
      res.end(out);
      return;
    }
    if (plan.requestDelayMs > 0) {
      stats.delayed++;
      record({ kind: "delayed", ...ev, detail: `request held ${Math.round(plan.requestDelayMs)} ms` });
      await sleep(Math.min(maxDelay, plan.requestDelayMs));
    }
    if (closed) return;
    if (plan.duplicate) {
      stats.duplicates++;
      record({ kind: "duplicated", ...ev });
      forward(method, url, req.headers, body).catch(() => {});
    }
    let reply: UpstreamReply;
    try {
      stats.forwarded++;
      reply = await forward(method, url, req.headers, body);
    } catch (err) {
      stats.upstreamErrors++;
      record({ kind: "upstream-error", ...ev, detail: (err as Error).message });
      return reset(res);
    }
    if (plan.loseResponse) {
      stats.lostResponses++;
      record({ kind: "lost-response", ...ev, status: reply.status });
      if (mode === "hang") await sleep(holdMs);
      return reset(res);
    }
    record({ kind: "forwarded", ...ev, status: reply.status });
    if (plan.responseDelayMs > 0) {
      stats.delayed++;
      await sleep(Math.min(maxDelay, plan.responseDelayMs));
    }
    if (closed || res.destroyed) return;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(reply.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    headers["content-length"] = String(reply.body.length);
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => reset(res));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    events,
    setFaults(f) {
      faults = { ...f };
    },
    setTarget(t) {
      target = checkTarget(t);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const r of upstreamReqs) r.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
