import { problem, type ApiRequest, type ApiResponse, type ChargeHandler, type ServiceDeps } from "../../framework/index.ts";
import { ChargeService } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Compares the whole Content-Type with "application/json": a charset parameter (or another case) gets 415. */
class ContentTypeExactMatch extends ChargeService {
  override async handle(req: ApiRequest): Promise<ApiResponse> {
    if (req.headers.authorization && req.headers["idempotency-key"] && req.headers["content-type"] !== "application/json") {
      return problem(415, "unsupported-media-type", "Unsupported media type", "send the body as Content-Type: application/json");
    }
    return super.handle(req);
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new ContentTypeExactMatch(deps);
  return (req) => s.handle(req);
}
