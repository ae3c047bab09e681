import type { ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Replays the stored status and body, but always as application/json: a replayed 402 problem loses its content type. */
class ReplayLosesContentType extends ChargeService {
  protected override replay(row: KeyRow): ApiResponse {
    const r = super.replay(row);
    return { ...r, headers: { ...r.headers, "content-type": "application/json" } };
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new ReplayLosesContentType(deps);
  return (req) => s.handle(req);
}
