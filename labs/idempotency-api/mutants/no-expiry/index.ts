import type { ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type Acquired, type Built, type ChargeParams, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

class NoExpiry extends ChargeService {
  constructor(deps: ServiceDeps) {
    super({ ...deps, config: { ...deps.config, retentionMs: Number.POSITIVE_INFINITY } });
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new NoExpiry(deps);
  return (req) => s.handle(req);
}
