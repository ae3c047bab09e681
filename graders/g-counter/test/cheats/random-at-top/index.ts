// Randomness while loading, so every replay differs.
export const salt = Math.random();
export * from "../../../../../labs/g-counter/src/index.ts";
