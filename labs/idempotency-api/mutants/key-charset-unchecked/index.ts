import { problem, type ApiRequest, type ApiResponse, type ChargeHandler, type ServiceDeps } from "../../framework/index.ts";
import { ChargeService } from "../../reference/index.ts";
import { clientOf, fingerprint, validateCharge } from "../../reference/handler.ts";
export * from "../../reference/index.ts";

/** Checks only the length of the Idempotency-Key, not its characters: "has spaces in it" is taken as a key. */
class KeyCharsetUnchecked extends ChargeService {
  override async handle(req: ApiRequest): Promise<ApiResponse> {
    const client = clientOf(req.headers.authorization);
    if (!client) return problem(401, "unauthorized", "Unauthorized", 'send "Authorization: Bearer <client token>"', {}, { "www-authenticate": "Bearer" });
    const rawKey = req.headers["idempotency-key"];
    if (rawKey === undefined || rawKey.trim() === "") return problem(400, "idempotency-key-missing", "Idempotency-Key missing", "POST /charges needs an Idempotency-Key header");
    let key = rawKey.trim();
    if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
    if (key.length < 8 || key.length > 255) return problem(400, "idempotency-key-invalid", "Idempotency-Key invalid", "the key must be 8 to 255 characters long");
    const mediaType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (mediaType !== "application/json") return problem(415, "unsupported-media-type", "Unsupported media type", "send the body as Content-Type: application/json");
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch (err) {
      return problem(400, "invalid-json", "Invalid JSON", `the body is not valid JSON: ${(err as Error).message}`);
    }
    const params = validateCharge(body);
    if (typeof params === "string") return problem(400, "invalid-request", "Invalid request", params);
    const acquired = await this.acquire(client, key, fingerprint(req.method, req.path, params), params);
    switch (acquired.kind) {
      case "replay":
        return this.replay(acquired.row);
      case "in-flight":
        return problem(409, "idempotency-key-in-use", "Request in progress", "a request with this Idempotency-Key is still being processed; retry later", {}, { "retry-after": "1" });
      case "mismatch":
        return problem(422, "idempotency-key-reused", "Idempotency-Key reused", "this Idempotency-Key was already used with a different request");
      case "proceed":
        return this.process(acquired.row, acquired.lockToken, params);
    }
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const s = new KeyCharsetUnchecked(deps);
  return (req) => s.handle(req);
}
