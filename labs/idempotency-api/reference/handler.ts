/**
 * Reference charge handler: Idempotency-Key semantics (IETF draft, Stripe) with atomic phases
 * and recovery points in the style of Brandur Leach's "Implementing Stripe-like idempotency
 * keys in Postgres".
 */
import { createHash, randomBytes } from "node:crypto";
import {
  problem,
  ProviderUnavailable,
  type ApiRequest,
  type ApiResponse,
  type ChargeHandler,
  type ProviderChargeResult,
  type ServiceDeps,
} from "../framework/index.ts";

export interface ChargeParams {
  amount: number;
  currency: string;
  source: string;
  description: string | null;
}

/** A row of idempotency_keys (see framework/migrations.ts). */
interface KeyRow {
  id: number;
  client_id: string;
  idempotency_key: string;
  request_fingerprint: string;
  request_body: string;
  recovery_point: "started" | "finished";
  locked_at: number | null;
  lock_token: string | null;
  response_status: number | null;
  response_content_type: string | null;
  response_body: string | null;
  created_at: number;
  updated_at: number;
}

/** A response ready to store and send, with the charge it records (if any). */
interface Built {
  response: ApiResponse;
  charge?: { id: string; created: number; providerChargeId: string };
}

type Acquired =
  | { kind: "proceed"; row: KeyRow; lockToken: string }
  | { kind: "replay"; row: KeyRow }
  | { kind: "in-flight" }
  | { kind: "mismatch" };

const KEY_RE = /^[A-Za-z0-9._:-]{8,255}$/;
const TOKEN_RE = /^[A-Za-z0-9._-]{1,64}$/;
const FIELDS = new Set(["amount", "currency", "source", "description"]);

/** The client a request belongs to: the token of "Authorization: Bearer <token>". */
export function clientOf(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? "");
  return m && TOKEN_RE.test(m[1] as string) ? m[1] : undefined;
}

/** The key of an Idempotency-Key header: bare or as a quoted string; undefined if malformed. */
export function parseIdempotencyKey(header: string): string | undefined {
  let v = header.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  return KEY_RE.test(v) ? v : undefined;
}

/** Checks the body; returns the parameters or a sentence saying what is wrong. */
export function validateCharge(body: unknown): ChargeParams | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "the body must be a JSON object";
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!FIELDS.has(k)) return `unknown field "${k}"`;
  if (typeof b.amount !== "number" || !Number.isInteger(b.amount) || b.amount < 1 || b.amount > 1_000_000)
    return "amount must be an integer from 1 to 1000000 (minor units)";
  if (typeof b.currency !== "string" || !/^[a-z]{3}$/.test(b.currency))
    return 'currency must be three lowercase letters, e.g. "usd"';
  if (typeof b.source !== "string" || b.source.length < 1 || b.source.length > 64)
    return "source must be a string of 1 to 64 characters";
  if (
    b.description !== undefined &&
    b.description !== null &&
    (typeof b.description !== "string" || b.description.length > 200)
  )
    return "description must be a string of at most 200 characters";
  return {
    amount: b.amount,
    currency: b.currency,
    source: b.source,
    description: typeof b.description === "string" ? b.description : null,
  };
}

/** Same parameters (whatever the key order or spacing of the JSON) give the same fingerprint. */
export function fingerprint(method: string, path: string, p: ChargeParams): string {
  return createHash("sha256")
    .update(JSON.stringify([method, path, p.amount, p.currency, p.source, p.description]))
    .digest("hex");
}

class ChargeService {
  constructor(private readonly deps: ServiceDeps) {}

  async handle(req: ApiRequest): Promise<ApiResponse> {
    const client = clientOf(req.headers.authorization);
    if (!client)
      return problem(
        401,
        "unauthorized",
        "Unauthorized",
        'send "Authorization: Bearer <client token>"',
        {},
        { "www-authenticate": "Bearer" },
      );
    const rawKey = req.headers["idempotency-key"];
    if (rawKey === undefined || rawKey.trim() === "")
      return problem(
        400,
        "idempotency-key-missing",
        "Idempotency-Key missing",
        "POST /charges needs an Idempotency-Key header",
      );
    const key = parseIdempotencyKey(rawKey);
    if (!key)
      return problem(
        400,
        "idempotency-key-invalid",
        "Idempotency-Key invalid",
        "the key must be 8 to 255 characters from A-Z a-z 0-9 . _ : -",
      );
    const mediaType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (mediaType !== "application/json")
      return problem(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        "send the body as Content-Type: application/json",
      );
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch (err) {
      return problem(400, "invalid-json", "Invalid JSON", `the body is not valid JSON: ${(err as Error).message}`);
    }
    const params = validateCharge(body);
    if (typeof params === "string") return problem(400, "invalid-request", "Invalid request", params);
    const fp = fingerprint(req.method, req.path, params);

    const acquired = await this.acquire(client, key, fp, params);
    switch (acquired.kind) {
      case "replay":
        return this.replay(acquired.row);
      case "in-flight":
        return problem(
          409,
          "idempotency-key-in-use",
          "Request in progress",
          "a request with this Idempotency-Key is still being processed; retry later",
          {},
          { "retry-after": "1" },
        );
      case "mismatch":
        return problem(
          422,
          "idempotency-key-reused",
          "Idempotency-Key reused",
          "this Idempotency-Key was already used with a different request",
        );
      case "proceed":
        return this.process(acquired.row, acquired.lockToken, params);
    }
  }

  /** Phase 1, one transaction: find or create the key and lock it, or say why not. */
  private async acquire(client: string, key: string, fp: string, params: ChargeParams): Promise<Acquired> {
    const { db, now, config } = this.deps;
    return db.transaction(async (tx) => {
      const t = now();
      let row = (
        await tx.query<KeyRow>(
          "SELECT * FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2 FOR UPDATE",
          [client, key],
        )
      ).rows[0];
      if (row && row.created_at <= t - config.retentionMs) {
        await tx.query("DELETE FROM idempotency_keys WHERE id = $1", [row.id]);
        row = undefined;
      }
      const lockToken = randomBytes(8).toString("hex");
      if (!row) {
        const inserted = await tx.query<KeyRow>(
          `INSERT INTO idempotency_keys (client_id, idempotency_key, request_fingerprint, request_body, recovery_point, locked_at, lock_token, created_at, updated_at)
           VALUES ($1, $2, $3, $4, 'started', $5, $6, $5, $5) ON CONFLICT (client_id, idempotency_key) DO NOTHING RETURNING *`,
          [client, key, fp, JSON.stringify(params), t, lockToken],
        );
        const created = inserted.rows[0];
        // Someone else created it between our SELECT and INSERT: that request is in flight.
        return created ? { kind: "proceed", row: created, lockToken } : { kind: "in-flight" };
      }
      if (row.request_fingerprint !== fp) return { kind: "mismatch" };
      if (row.recovery_point === "finished") return { kind: "replay", row };
      if (row.locked_at !== null && t - row.locked_at < config.leaseMs) return { kind: "in-flight" };
      // Unlocked (an earlier attempt gave up) or a stale lock (its server died): take it over.
      const taken = await tx.query<KeyRow>(
        "UPDATE idempotency_keys SET locked_at = $2, lock_token = $3, updated_at = $2 WHERE id = $1 RETURNING *",
        [row.id, t, lockToken],
      );
      return { kind: "proceed", row: taken.rows[0] as KeyRow, lockToken };
    });
  }

  /** The provider's key for this logical request: the same on every retry, new after expiry. */
  private downstreamKey(row: KeyRow): string {
    return `ik-${createHash("sha256").update(`${row.client_id}\n${row.idempotency_key}\n${row.created_at}`).digest("hex").slice(0, 40)}`;
  }

  /** Phase 2 (the foreign side effect) and phase 3 (record it and the response atomically). */
  private async process(row: KeyRow, lockToken: string, params: ChargeParams): Promise<ApiResponse> {
    let result: ProviderChargeResult;
    try {
      result = await this.deps.provider.charge(params, { idempotencyKey: this.downstreamKey(row) });
    } catch (err) {
      await this.release(row, lockToken);
      if (err instanceof ProviderUnavailable) {
        return problem(
          503,
          "provider-unavailable",
          "Payment provider unavailable",
          "the charge could not be confirmed; retry with the same Idempotency-Key",
          {},
          { "retry-after": "1" },
        );
      }
      throw err;
    }
    const response =
      result.outcome === "succeeded"
        ? undefined
        : problem(402, "card-declined", "Card declined", result.message, {
            code: result.code,
            instance: `urn:faultline:attempt:${this.deps.newId("att_")}`,
          });
    return this.finish(
      row,
      lockToken,
      params,
      result.outcome === "succeeded" ? result.providerChargeId : undefined,
      response,
    );
  }

  /** The final response: the new charge (201) or the decline (402) given by `declined`. */
  private buildResponse(
    params: ChargeParams,
    providerChargeId: string | undefined,
    declined: ApiResponse | undefined,
  ): Built {
    if (providerChargeId === undefined) return { response: declined as ApiResponse };
    const id = this.deps.newId("ch_");
    const created = this.deps.now();
    return {
      charge: { id, created, providerChargeId },
      response: {
        status: 201,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          id,
          object: "charge",
          amount: params.amount,
          currency: params.currency,
          source: params.source,
          description: params.description,
          status: "succeeded",
          provider_charge_id: providerChargeId,
          created,
        }),
      },
    };
  }

  /**
   * Phase 3, one transaction: insert the charge (if any), store the response, mark the key
   * finished and unlock it. False when our lock was taken over meanwhile (nothing written).
   */
  private async store(row: KeyRow, lockToken: string, params: ChargeParams, built: Built): Promise<boolean> {
    const { db, now } = this.deps;
    return db
      .transaction(async (tx) => {
        if (built.charge) {
          await tx.query(
            `INSERT INTO charges (id, idempotency_key_id, client_id, amount, currency, source, description, provider_charge_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
            [
              built.charge.id,
              row.id,
              row.client_id,
              params.amount,
              params.currency,
              params.source,
              params.description,
              built.charge.providerChargeId,
              built.charge.created,
            ],
          );
        }
        const r = built.response;
        const done = await tx.query(
          `UPDATE idempotency_keys SET recovery_point = 'finished', response_status = $3, response_content_type = $4, response_body = $5, locked_at = NULL, lock_token = NULL, updated_at = $6
           WHERE id = $1 AND lock_token = $2`,
          [row.id, lockToken, r.status, r.headers?.["content-type"] ?? "application/json", r.body, now()],
        );
        if (done.rowCount === 0) throw new LostLock();
        return true;
      })
      .catch((err: unknown) => {
        if (err instanceof LostLock) return false;
        throw err;
      });
  }

  /** Build the response, store it, then answer it. */
  private async finish(
    row: KeyRow,
    lockToken: string,
    params: ChargeParams,
    providerChargeId: string | undefined,
    declined: ApiResponse | undefined,
  ): Promise<ApiResponse> {
    const built = this.buildResponse(params, providerChargeId, declined);
    if (await this.store(row, lockToken, params, built)) return built.response;
    // Our lease ran out and another request took the key over: answer what it stored, if done.
    const current = (await this.deps.db.query<KeyRow>("SELECT * FROM idempotency_keys WHERE id = $1", [row.id]))
      .rows[0];
    if (current?.recovery_point === "finished") return this.replay(current);
    return problem(
      409,
      "idempotency-key-in-use",
      "Request in progress",
      "a request with this Idempotency-Key is still being processed; retry later",
      {},
      { "retry-after": "1" },
    );
  }

  /** Unlock without finishing: a retry resumes from the recovery point. */
  private async release(row: KeyRow, lockToken: string): Promise<void> {
    await this.deps.db.query(
      "UPDATE idempotency_keys SET locked_at = NULL, lock_token = NULL, updated_at = $3 WHERE id = $1 AND lock_token = $2",
      [row.id, lockToken, this.deps.now()],
    );
  }

  private replay(row: KeyRow): ApiResponse {
    return {
      status: row.response_status as number,
      headers: { "content-type": row.response_content_type ?? "application/json", "idempotent-replayed": "true" },
      body: row.response_body as string,
    };
  }
}

class LostLock extends Error {}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const service = new ChargeService(deps);
  return (req) => service.handle(req);
}
