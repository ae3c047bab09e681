import type { ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type Acquired, type Built, type ChargeParams, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

class NoRecoveryPoint extends ChargeService {
  protected override async acquire(client: string, key: string, fp: string, params: ChargeParams): Promise<Acquired> {
    const got = await super.acquire(client, key, fp, params);
    if (got.kind === "proceed" && got.row.locked_at !== got.row.created_at) {
      // Taking over an unfinished key: forget it and start from scratch.
      await this.deps.db.query("DELETE FROM idempotency_keys WHERE id = $1", [got.row.id]);
      return super.acquire(client, key, fp, params);
    }
    return got;
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new NoRecoveryPoint(deps);
  return (req) => s.handle(req);
}
