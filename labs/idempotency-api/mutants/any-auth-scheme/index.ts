import type { ApiRequest, ApiResponse, ChargeHandler, ServiceDeps } from "../../framework/index.ts";
import { ChargeService } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Takes the last word of Authorization as the client, whatever the scheme: "Basic xyz" is client "xyz". */
class AnyAuthScheme extends ChargeService {
  override async handle(req: ApiRequest): Promise<ApiResponse> {
    const token = req.headers.authorization?.trim().split(/\s+/).pop();
    const headers = token ? { ...req.headers, authorization: `Bearer ${token}` } : req.headers;
    return super.handle({ ...req, headers });
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new AnyAuthScheme(deps);
  return (req) => s.handle(req);
}
