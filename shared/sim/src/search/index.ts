export * from "./world.ts";
export * from "./engine.ts";
export * from "./host.ts";
export * from "./replay-host.ts";
export * from "./trace-file.ts";
export { COPYABLE_SOURCE, copyable, isStateNotCopyable, type Copyable } from "./copyable.ts";
