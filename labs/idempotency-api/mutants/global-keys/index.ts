import type { ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type Acquired, type Built, type ChargeParams, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

class GlobalKeys extends ChargeService {
  protected override acquire(_client: string, key: string, fp: string, params: ChargeParams): Promise<Acquired> {
    return super.acquire("all-clients", key, fp, params);
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new GlobalKeys(deps);
  return (req) => s.handle(req);
}
