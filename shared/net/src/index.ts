export * from "./http-faults.ts";
