// Leave a file outside the server's database directory (a results file, a note for later).
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChargeHandler, ServiceDeps } from "../../../../../labs/idempotency-api/framework/index.ts";
export { PaymentsClient } from "../../../../../labs/idempotency-api/src/client.ts";

export const WRITTEN = join(tmpdir(), "faultline-idem-cheat-written.json");

export function createChargeHandler(_deps: ServiceDeps): ChargeHandler {
  return async () => {
    writeFileSync(WRITTEN, JSON.stringify({ earned: 100 }));
    return { status: 201, headers: { "content-type": "application/json" }, body: "{}" };
  };
}
