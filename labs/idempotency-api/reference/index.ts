/** Reference solution of the idempotency-api lab: the same exports as src/. */
export { createChargeHandler } from "./handler.ts";
export { PaymentsClient, type ChargeInput, type ChargeOutcome, type ClientOptions } from "./client.ts";
