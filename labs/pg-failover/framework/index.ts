export * from "./types.ts";
export * from "./lsn.ts";
