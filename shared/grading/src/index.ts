export * from "./scenario.ts";
export * from "./impl.ts";
export * from "./run-seed.ts";
export * from "./grade.ts";
export * from "./pool.ts";
export * from "./report.ts";
export * from "./format.ts";
export * from "./trace-files.ts";
