export * from "./http-faults.ts";
export * from "./file-disk.ts";
export * from "./runtime.ts";
export * from "./transport.ts";
export * from "./http-util.ts";
export * from "./host.ts";
export * from "./launcher.ts";
export * from "./service.ts";
