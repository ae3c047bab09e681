import type { ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type Acquired, type Built, type ChargeParams, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

class CheckThenInsert extends ChargeService {
  protected override async acquire(client: string, key: string, fp: string, params: ChargeParams): Promise<Acquired> {
    const row = (await this.deps.db.query<KeyRow>("SELECT * FROM idempotency_keys WHERE client_id = $1 AND idempotency_key = $2", [client, key])).rows[0];
    if (row) {
      if (row.request_fingerprint !== fp) return { kind: "mismatch" };
      return row.recovery_point === "finished" ? { kind: "replay", row } : { kind: "in-flight" };
    }
    const t = this.deps.now();
    const fresh: KeyRow = { id: 0, client_id: client, idempotency_key: key, request_fingerprint: fp, request_body: JSON.stringify(params), recovery_point: "started", locked_at: t, lock_token: "-", response_status: null, response_content_type: null, response_body: null, created_at: t, updated_at: t };
    return { kind: "proceed", row: fresh, lockToken: "-" };
  }

  protected override async store(row: KeyRow, _lockToken: string, params: ChargeParams, built: Built): Promise<boolean> {
    await this.deps.db.transaction(async (tx) => {
      const r = built.response;
      const k = await tx.query<{ id: number }>(
        `INSERT INTO idempotency_keys (client_id, idempotency_key, request_fingerprint, request_body, recovery_point, response_status, response_content_type, response_body, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'finished', $5, $6, $7, $8, $8)
         ON CONFLICT (client_id, idempotency_key) DO UPDATE SET response_status = EXCLUDED.response_status, response_body = EXCLUDED.response_body RETURNING id`,
        [row.client_id, row.idempotency_key, row.request_fingerprint, row.request_body, r.status, r.headers?.["content-type"] ?? "application/json", r.body, this.deps.now()],
      );
      if (built.charge) {
        await tx.query(
          "INSERT INTO charges (id, idempotency_key_id, client_id, amount, currency, source, description, provider_charge_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
          [built.charge.id, k.rows[0]?.id ?? null, row.client_id, params.amount, params.currency, params.source, params.description, built.charge.providerChargeId, built.charge.created],
        );
      }
    });
    return true;
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new CheckThenInsert(deps);
  return (req) => s.handle(req);
}
