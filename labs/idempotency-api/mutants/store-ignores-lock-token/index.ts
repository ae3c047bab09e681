import type { ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type Built, type ChargeParams, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Phase 3 stores the result whether or not this request still holds the key's lock. */
class StoreIgnoresLockToken extends ChargeService {
  protected override async store(row: KeyRow, _lockToken: string, params: ChargeParams, built: Built): Promise<boolean> {
    const { db, now } = this.deps;
    await db.transaction(async (tx) => {
      if (built.charge) {
        await tx.query(
          `INSERT INTO charges (id, idempotency_key_id, client_id, amount, currency, source, description, provider_charge_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [built.charge.id, row.id, row.client_id, params.amount, params.currency, params.source, params.description, built.charge.providerChargeId, built.charge.created],
        );
      }
      const r = built.response;
      await tx.query(
        `UPDATE idempotency_keys SET recovery_point = 'finished', response_status = $2, response_content_type = $3, response_body = $4, locked_at = NULL, lock_token = NULL, updated_at = $5 WHERE id = $1`,
        [row.id, r.status, r.headers?.["content-type"] ?? "application/json", r.body, now()],
      );
    });
    return true;
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new StoreIgnoresLockToken(deps);
  return (req) => s.handle(req);
}
