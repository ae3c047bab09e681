/** Reference retrying client: per-attempt timeouts, exponential backoff with full jitter, one key. */
import { randomUUID } from "node:crypto";
import { sendHttp, TransportError, type Transport } from "../framework/index.ts";
import type { ChargeInput, ChargeOutcome, ClientOptions } from "../src/client.ts";

export type { ChargeInput, ChargeOutcome, ClientOptions };

export class PaymentsClient {
  private readonly transport: Transport;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly attemptTimeoutMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly opts: ClientOptions) {
    this.transport = opts.transport ?? sendHttp;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.attemptTimeoutMs = opts.attemptTimeoutMs ?? 1_000;
    this.baseDelayMs = opts.baseDelayMs ?? 50;
    this.maxDelayMs = opts.maxDelayMs ?? 2_000;
  }

  /** Create one charge, retrying until a definite answer or the attempts run out. */
  async createCharge(input: ChargeInput, opts: { idempotencyKey?: string } = {}): Promise<ChargeOutcome> {
    const key = opts.idempotencyKey ?? randomUUID();
    const body = JSON.stringify(input);
    let last: ChargeOutcome = { key, attempts: 0 };
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        const reply = await this.transport({
          url: `${this.opts.baseUrl}/charges`,
          method: "POST",
          headers: {
            authorization: `Bearer ${this.opts.token}`,
            "idempotency-key": key,
            "content-type": "application/json",
          },
          body,
          timeoutMs: this.attemptTimeoutMs,
        });
        last = { key, attempts: attempt, reply };
        if (!this.shouldRetry(reply.status)) return last;
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        last = { key, attempts: attempt, error: `${err.kind}: ${err.message}` };
      }
      if (attempt < this.maxAttempts) await this.sleep(this.backoffMs(attempt));
    }
    return last;
  }

  /** Retry on 409 (in flight), 429 and 5xx; every other answer is final. */
  private shouldRetry(status: number): boolean {
    return status === 409 || status === 429 || status >= 500;
  }

  /** Full jitter: uniform in [0, min(cap, base * 2^(n-1))). */
  private backoffMs(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return this.random() * ceiling;
  }
}
