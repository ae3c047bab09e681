/**
 * Sharding: one grading run split across n machines. Every (test, seed) pair of a lab, in the
 * grader's order, goes to shard (position mod n) + 1, so each machine gets about 1/n of every
 * test's seeds (tests differ a lot in cost; seeds of one test cost about the same) and the
 * split is a pure function of the plan: every machine computes the same one.
 */

/** Shard `index` of `count` (1-based, as typed: `--shard 2/4`). */
export interface Shard {
  index: number;
  count: number;
}

/** Parse "k/n" (1 <= k <= n); undefined with the reason when it is not one. */
export function parseShard(text: string): Shard | { error: string } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return { error: `--shard needs k/n (for example 2/4), got "${text}"` };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) return { error: `--shard ${text}: k must be between 1 and n` };
  return { index, count };
}

export function formatShard(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/**
 * The seeds of each test that belong to a shard, in test order; a test with no seed in this
 * shard is left out (it is graded on the other machines).
 */
export function shardSeeds<T>(
  tests: readonly T[],
  seedsOf: (t: T) => readonly number[],
  shard: Shard,
): Array<{ test: T; seeds: number[] }> {
  const out: Array<{ test: T; seeds: number[] }> = [];
  let position = 0;
  for (const test of tests) {
    const mine = seedsOf(test).filter(() => position++ % shard.count === shard.index - 1);
    if (mine.length > 0) out.push({ test, seeds: mine });
  }
  return out;
}
