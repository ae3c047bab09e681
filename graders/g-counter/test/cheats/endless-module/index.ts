// Never finish loading.
for (;;) {}
export * from "../../../../../labs/g-counter/src/index.ts";
