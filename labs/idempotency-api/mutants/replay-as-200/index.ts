import type { ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Replays the stored body, but always as "200 OK": the original status code is not stored or sent back. */
class ReplayAs200 extends ChargeService {
  protected override replay(row: KeyRow): ApiResponse {
    return { ...super.replay(row), status: 200 };
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new ReplayAs200(deps);
  return (req) => s.handle(req);
}
