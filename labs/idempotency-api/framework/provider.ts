/**
 * The downstream "payment provider": an HTTP service with its own ledger, idempotent by its own
 * Idempotency-Key header, with configurable outages, ambiguous failures and latency. The grader
 * runs it and audits its ledger; your handler reaches it through `deps.provider` (ProviderClient).
 *
 * POST /v1/charges  {"amount", "currency", "source", "description"}  (Idempotency-Key optional)
 *   200 {"id": "pc_...", "status": "succeeded", ...}       charged
 *   402 {"error": {"code": "card_declined", ...}}          declined (source "tok_declined")
 *   422 {"error": {"code": "idempotency_key_reused"}}     same key, other parameters
 *   503 {"error": {"code": "unavailable"}}                 outage: nothing charged
 *   500 {"error": {"code": "internal"}}                    ambiguous: may have charged
 * A request with a key seen before gets the first result again (after the same latency).
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { readBody, sendHttp } from "./http.ts";
import {
  type HttpReply,
  ProviderUnavailable,
  type Provider,
  type ProviderChargeRequest,
  type ProviderChargeResult,
} from "./types.ts";

export interface LedgerEntry {
  id: string;
  idempotencyKey: string | null;
  amount: number;
  currency: string;
  source: string;
  description: string | null;
  status: "succeeded" | "declined";
  /** Wall time of the charge (ms since epoch). */
  at: number;
}

export interface ProviderFaults {
  /** Probability that a request hits an outage (503, nothing charged). */
  outage?: number;
  /** Probability that a request is charged and then answered 500 (ambiguous). */
  failAfterCharge?: number;
  /** Latency of every answer, uniform in [min, max] ms. */
  latencyMs?: readonly [number, number];
  /** Every request fails with 503 while true. */
  down?: boolean;
}

export interface ProviderServerOptions {
  /** Random numbers in [0, 1) for the faults (a seeded stream, so runs are reproducible). */
  random: () => number;
  faults?: ProviderFaults;
  /** Stop answering after this many requests (a runaway loop guard; default 5000). */
  maxRequests?: number;
}

type Stored = { status: number; body: string; fingerprint: string };

export class ProviderServer {
  readonly ledger: LedgerEntry[] = [];
  /** Every request received, in order: its key and what was answered. */
  readonly requests: Array<{ key: string | null; description: string | null; status: number }> = [];
  faults: ProviderFaults;
  private server: Server | undefined;
  private byKey = new Map<string, Stored>();
  private sockets = new Set<Socket>();
  private timers = new Set<NodeJS.Timeout>();
  private port = 0;
  /** Descriptions whose answers wait for release (see hold), with the answers waiting. */
  private held = new Map<string, Array<() => void>>();

  constructor(private readonly opts: ProviderServerOptions) {
    this.faults = { ...(opts.faults ?? {}) };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      void this.handle(req.method ?? "", req.url ?? "", req.headers["idempotency-key"], req, res);
    });
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Hold every answer to a charge with this description (the charge itself happens at once)
   * until the returned release() is called: a test can keep a request "in flight" for as long
   * as it needs, instead of guessing a latency long enough on a busy machine.
   */
  hold(description: string): () => void {
    if (!this.held.has(description)) this.held.set(description, []);
    return () => {
      const waiting = this.held.get(description) ?? [];
      this.held.delete(description);
      for (const send of waiting) send();
    };
  }

  /**
   * Send the oldest held answer to a charge with this description now, and keep holding the
   * others: which of two requests in flight hears back first is then the test's choice.
   * False when none is held.
   */
  releaseFirst(description: string): boolean {
    const send = this.held.get(description)?.shift();
    send?.();
    return send !== undefined;
  }

  /** Ledger entries that charged money (declines excluded). */
  charges(): LedgerEntry[] {
    return this.ledger.filter((e) => e.status === "succeeded");
  }

  private latency(): number {
    const l = this.faults.latencyMs;
    if (!l) return 0;
    return l[0] + (l[1] - l[0]) * this.opts.random();
  }

  private reply(
    res: ServerResponse,
    status: number,
    body: string,
    delay: number,
    description: string | null = null,
  ): void {
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    };
    const waiting = description === null ? undefined : this.held.get(description);
    if (waiting) {
      waiting.push(() => this.reply(res, status, body, delay));
      return;
    }
    if (delay <= 0) return send();
    const t = setTimeout(() => {
      this.timers.delete(t);
      send();
    }, delay);
    this.timers.add(t);
  }

  private async handle(
    method: string,
    url: string,
    keyHeader: string | string[] | undefined,
    req: NodeJS.ReadableStream,
    res: ServerResponse,
  ): Promise<void> {
    const raw = await readBody(req, 64 * 1024).catch(() => undefined);
    const delay = this.latency();
    const key = typeof keyHeader === "string" && keyHeader.length > 0 ? keyHeader : null;
    const answer = (status: number, obj: unknown, description: string | null = null) => {
      const body = JSON.stringify(obj);
      this.requests.push({ key, description, status });
      this.reply(res, status, body, delay, description);
      return { status, body };
    };
    if (method !== "POST" || url !== "/v1/charges") return void answer(404, { error: { code: "not_found" } });
    if (this.requests.length >= (this.opts.maxRequests ?? 5000))
      return void answer(429, { error: { code: "too_many_requests" } });
    let p: ProviderChargeRequest;
    try {
      p = JSON.parse(raw?.toString("utf8") ?? "") as ProviderChargeRequest;
      if (
        !Number.isInteger(p.amount) ||
        p.amount <= 0 ||
        typeof p.currency !== "string" ||
        typeof p.source !== "string"
      )
        throw new Error("bad");
    } catch {
      return void answer(400, { error: { code: "invalid_request" } });
    }
    const description = typeof p.description === "string" ? p.description : null;
    const fingerprint = JSON.stringify([p.amount, p.currency, p.source, description]);
    if (key) {
      const prev = this.byKey.get(key);
      if (prev) {
        if (prev.fingerprint !== fingerprint)
          return void answer(
            422,
            { error: { code: "idempotency_key_reused", message: "this key was used with other parameters" } },
            description,
          );
        this.requests.push({ key, description, status: prev.status });
        return this.reply(res, prev.status, prev.body, delay, description);
      }
    }
    if (this.faults.down || (this.faults.outage !== undefined && this.opts.random() < this.faults.outage)) {
      return void answer(503, { error: { code: "unavailable", message: "try again later" } }, description);
    }
    const declined = p.source === "tok_declined";
    const entry: LedgerEntry = {
      id: `pc_${randomBytes(8).toString("hex")}`,
      idempotencyKey: key,
      amount: p.amount,
      currency: p.currency,
      source: p.source,
      description,
      status: declined ? "declined" : "succeeded",
      at: Date.now(),
    };
    this.ledger.push(entry);
    const status = declined ? 402 : 200;
    const body = JSON.stringify(
      declined
        ? { error: { code: "card_declined", message: "The card was declined.", charge: entry.id } }
        : { id: entry.id, status: "succeeded", amount: p.amount, currency: p.currency, source: p.source, description },
    );
    if (key) this.byKey.set(key, { status, body, fingerprint });
    if (this.faults.failAfterCharge !== undefined && this.opts.random() < this.faults.failAfterCharge) {
      return void answer(500, { error: { code: "internal", message: "something went wrong" } }, description);
    }
    this.requests.push({ key, description, status });
    this.reply(res, status, body, delay, description);
  }
}

/** Hooks run by the framework around provider calls (the failpoints use them). */
export interface ProviderHooks {
  afterCharge?: (result: ProviderChargeResult) => void;
}

/** The client your handler gets as `deps.provider`. */
export class ProviderClient implements Provider {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 2_000,
    private readonly hooks: ProviderHooks = {},
  ) {}

  async charge(req: ProviderChargeRequest, opts: { idempotencyKey?: string }): Promise<ProviderChargeResult> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (opts.idempotencyKey !== undefined) headers["idempotency-key"] = opts.idempotencyKey;
    const body = JSON.stringify({
      amount: req.amount,
      currency: req.currency,
      source: req.source,
      description: req.description,
    });
    let reply: HttpReply;
    try {
      reply = await sendHttp({
        url: `${this.baseUrl}/v1/charges`,
        method: "POST",
        headers,
        body,
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      throw new ProviderUnavailable(`provider unreachable: ${(err as Error).message}`);
    }
    let result: ProviderChargeResult;
    if (reply.status === 200) {
      const b = JSON.parse(reply.body) as { id: string };
      result = { outcome: "succeeded", providerChargeId: b.id };
    } else if (reply.status === 402) {
      const b = JSON.parse(reply.body) as { error: { code: string; message: string } };
      result = { outcome: "declined", code: b.error.code, message: b.error.message };
    } else if (reply.status >= 500 || reply.status === 429) {
      throw new ProviderUnavailable(`provider answered ${reply.status}`);
    } else {
      throw new Error(`provider rejected the request with ${reply.status}: ${reply.body}`);
    }
    this.hooks.afterCharge?.(result);
    return result;
  }
}
