// Allocate without bound while loading.
const hoard: number[][] = [];
for (;;) hoard.push(new Array(1_000_000).fill(7));
export * from "../../../../../labs/g-counter/src/index.ts";
