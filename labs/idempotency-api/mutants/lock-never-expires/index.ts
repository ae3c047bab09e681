import type { ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type Acquired, type Built, type ChargeParams, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

class LockNeverExpires extends ChargeService {
  constructor(deps: ServiceDeps) {
    super({ ...deps, config: { ...deps.config, leaseMs: Number.POSITIVE_INFINITY } });
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new LockNeverExpires(deps);
  return (req) => s.handle(req);
}
