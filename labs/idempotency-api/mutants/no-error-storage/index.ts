import type { ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService, type Acquired, type Built, type ChargeParams, type KeyRow } from "../../reference/index.ts";
export * from "../../reference/index.ts";

class NoErrorStorage extends ChargeService {
  protected override async finish(row: KeyRow, lockToken: string, params: ChargeParams, providerChargeId: string | undefined, declined: ApiResponse | undefined): Promise<ApiResponse> {
    if (providerChargeId === undefined && declined) {
      await this.release(row, lockToken);
      return this.buildResponse(params, undefined, declined).response;
    }
    return super.finish(row, lockToken, params, providerChargeId, declined);
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new NoErrorStorage(deps);
  return (req) => s.handle(req);
}
