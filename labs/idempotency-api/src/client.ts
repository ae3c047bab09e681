/**
 * Part E: a client that retries safely. It sends POST /charges with the same Idempotency-Key on
 * every attempt, gives each attempt its own timeout, and waits between attempts with
 * exponential backoff and jitter so that many clients failing at once do not retry in lockstep.
 */
import { NotImplemented } from "@faultline/sim";
import type { HttpReply, Transport } from "../framework/index.ts";

export interface ChargeInput {
  amount: number;
  currency: string;
  source: string;
  description?: string | null;
}

export interface ClientOptions {
  /** The API's base URL, e.g. "http://127.0.0.1:3000". */
  baseUrl: string;
  /** The client's token, sent as "Authorization: Bearer <token>". */
  token: string;
  /** Sends one attempt (default: sendHttp from the framework). Rejects with TransportError on no response. */
  transport?: Transport;
  /** Random numbers in [0, 1) for the jitter (default Math.random). The grader passes a seeded one. */
  random?: () => number;
  /** Waits ms milliseconds (default: a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts in total, the first included (default 8). */
  maxAttempts?: number;
  /** Timeout of each attempt in ms (default 1000). */
  attemptTimeoutMs?: number;
  /** The wait before retry n grows like baseDelayMs * 2^(n-1), capped at maxDelayMs (defaults 50, 2000). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface ChargeOutcome {
  /** The Idempotency-Key used on every attempt. */
  key: string;
  /** How many attempts were sent. */
  attempts: number;
  /** The last HTTP response, or undefined when the last attempt got none (timeout, reset). */
  reply?: HttpReply;
  /** Why the last attempt got no response. */
  error?: string;
}

export class PaymentsClient {
  constructor(protected readonly opts: ClientOptions) {}

  /**
   * Create one charge. TODO:
   *  - the key: opts.idempotencyKey, or a fresh random one (crypto.randomUUID()); the SAME key on
   *    every attempt of this call;
   *  - each attempt: transport({ url: baseUrl + "/charges", method: "POST", headers:
   *    { authorization: "Bearer " + token, "idempotency-key": key, "content-type":
   *    "application/json" }, body: JSON.stringify(input), timeoutMs: attemptTimeoutMs });
   *  - retry after a TransportError (timeout, reset), 409, 429 and 5xx; every other status is
   *    final (2xx, and 4xx such as 400, 402, 422: retrying them cannot help);
   *  - before retry n wait a random time with exponential growth and jitter, e.g. "full jitter":
   *    random() * min(maxDelayMs, baseDelayMs * 2^(n-1)); never more than that ceiling, and at
   *    least half of it when random() returns 0.99; use opts.random and opts.sleep when given;
   *  - stop after maxAttempts and return the last reply at once (no wait after the last
   *    attempt), or, when the last attempt got no response, { key, attempts, error } with the
   *    TransportError's kind and message.
   */
  async createCharge(input: ChargeInput, opts: { idempotencyKey?: string } = {}): Promise<ChargeOutcome> {
    void input;
    void opts;
    throw new NotImplemented("PaymentsClient.createCharge (src/client.ts)");
  }
}
