/** Reference solution of the idempotency-api lab. */
export { createChargeHandler, ChargeService, type Acquired, type Built, type ChargeParams, type KeyRow } from "./handler.ts";
export { PaymentsClient, type ChargeInput, type ChargeOutcome, type ClientOptions } from "./client.ts";
