/**
 * The idempotency-api lab: what you write. See ../README.md.
 *  - src/handler.ts  createChargeHandler: POST /charges with Idempotency-Key (parts A-D)
 *  - src/client.ts   PaymentsClient: a retrying client (part E)
 */
export { createChargeHandler } from "./handler.ts";
export { PaymentsClient, type ChargeInput, type ChargeOutcome, type ClientOptions } from "./client.ts";
