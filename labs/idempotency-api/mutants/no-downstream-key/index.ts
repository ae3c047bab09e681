import type { ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type Acquired, type Built, type ChargeParams, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

class NoDownstreamKey extends ChargeService {
  protected override downstreamKey(_row: KeyRow): string {
    return undefined as unknown as string;
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new NoDownstreamKey(deps);
  return (req) => s.handle(req);
}
