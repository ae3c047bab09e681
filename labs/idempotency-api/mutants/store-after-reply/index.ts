import type { ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type Acquired, type Built, type ChargeParams, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

class StoreAfterReply extends ChargeService {
  protected override async finish(row: KeyRow, lockToken: string, params: ChargeParams, providerChargeId: string | undefined, declined: ApiResponse | undefined): Promise<ApiResponse> {
    const built = this.buildResponse(params, providerChargeId, declined);
    setImmediate(() => {
      this.store(row, lockToken, params, built).catch(() => {});
    });
    return built.response;
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new StoreAfterReply(deps);
  return (req) => s.handle(req);
}
