/** The framework of the idempotency-api lab: everything you do not write. */
export * from "./types.ts";
export * from "./problem.ts";
export * from "./db.ts";
export * from "./migrations.ts";
export * from "./http.ts";
export * from "./provider.ts";
export * from "./server.ts";
