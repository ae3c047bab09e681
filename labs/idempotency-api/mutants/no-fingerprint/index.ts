import type { ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type Acquired, type Built, type ChargeParams, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

class NoFingerprint extends ChargeService {
  protected override acquire(client: string, key: string, _fp: string, params: ChargeParams): Promise<Acquired> {
    return super.acquire(client, key, "no-fingerprint", params);
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new NoFingerprint(deps);
  return (req) => s.handle(req);
}
