import type { ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Answers 503 when the provider fails but leaves the key locked: every retry gets 409 until the lease runs out. */
class ProviderFailureKeepsLock extends ChargeService {
  protected override async release(_row: KeyRow, _lockToken: string): Promise<void> {}
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new ProviderFailureKeepsLock(deps);
  return (req) => s.handle(req);
}
