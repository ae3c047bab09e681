/**
 * The learner's wait: grade a lab's reference, then every developer mutant the way a learner's
 * run grades it (each test stops at its first failing seed), and print the wall time of each next
 * to the reference's, its sampled peak memory, and the lab's storm limits next to the highest
 * rates the reference reached. A buggy submission must not make the learner wait much longer
 * than a correct one: the target is 1.5x the reference's wall time.
 *
 * Quick mode (`--quick` or FAULTLINE_BENCH_QUICK=1, for CI-sized runs) grades only the tests
 * each mutant targets, against the reference graded on the same tests.
 */
import { fileURLToPath } from "node:url";
import { maxStormPeaks, type StormLimits, type StormPeaks } from "@faultline/sim";
import { loadGrader, type SeedResult } from "./run-seed.ts";
import { gradeLab, tally, formatTally, type ScenarioResult } from "./grade.ts";
import { WorkerPool } from "./pool.ts";
import { listMutants, labDir } from "./impl.ts";
import { fmtMs } from "./format.ts";
import type { LabGrader } from "./scenario.ts";

/** A buggy run may take this many times the reference's wall time. */
export const MUTANT_WAIT_TARGET = 1.5;

export interface TimedGrade {
  impl: string;
  wallMs: number;
  /** Highest resident memory sampled during the run, MiB (the process and its worker threads). */
  peakRssMiB: number;
  results: ScenarioResult[];
}

export function quickBench(argv: readonly string[] = process.argv.slice(2)): boolean {
  return argv.includes("--quick") || process.env.FAULTLINE_BENCH_QUICK === "1";
}

/** Grade `impl` with a fresh pool, sampling memory while it runs. */
export async function timedGrade(
  lab: LabGrader,
  graderModule: string,
  impl: string,
  opts: { only?: readonly string[]; learner: boolean },
): Promise<TimedGrade> {
  const pool = new WorkerPool();
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  const started = Date.now();
  try {
    const results: ScenarioResult[] = [];
    const names = opts.only ?? lab.scenarios.map((s) => s.name);
    // One scenario at a time, like gradeLab, but limited to `names` (quick mode).
    for (const name of names)
      results.push(
        ...(await gradeLab(lab, graderModule, { impl, pool, only: name, stopAtFirstFailure: opts.learner })),
      );
    return {
      impl,
      wallMs: Date.now() - started,
      peakRssMiB: Math.max(peak, process.memoryUsage.rss()) / 2 ** 20,
      results,
    };
  } finally {
    clearInterval(sampler);
    await pool.close();
  }
}

/** The highest rates the seeds of some results reached. */
export function peaksOf(results: readonly ScenarioResult[]): StormPeaks {
  return maxStormPeaks(results.flatMap((r) => r.seeds).flatMap((s: SeedResult) => (s.peaks ? [s.peaks] : [])));
}

const LIMIT_ROWS: Array<[keyof StormLimits, string]> = [
  ["sendsPerNodePerSecond", "messages sent per node per virtual second"],
  ["timersPerNodePerSecond", "timers set per node per virtual second"],
  ["eventsPerSecond", "events per virtual second"],
  ["heapSize", "events waiting (heap size)"],
];

const num = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "none");

export function formatLimits(lab: LabGrader, peaks: StormPeaks): string[] {
  return LIMIT_ROWS.map(([k, label]) => {
    const limit = lab.limits?.[k] ?? Infinity;
    const head = Number.isFinite(limit) && peaks[k] > 0 ? ` (${(limit / peaks[k]).toFixed(0)}x)` : "";
    return `  ${label.padEnd(44)} limit ${num(limit).padStart(9)}   reference peak ${num(peaks[k]).padStart(8)}${head}`;
  });
}

/** Where a mutant's run stopped: the first failing test and invariant. */
function caughtBy(results: readonly ScenarioResult[]): string {
  const first = results.find((r) => r.status !== "pass" && !r.bonus) ?? results.find((r) => r.status !== "pass");
  if (!first) return "survives every test";
  return `"${first.name}": ${first.firstFailure?.failure?.invariant ?? first.status}`;
}

/** Run the reference and every mutant of one lab; print the table. Returns the rows over target. */
export async function benchMutants(
  graderModule: URL | string,
  opts: { quick?: boolean; reference?: { wallMs: number; results: ScenarioResult[] } } = {},
): Promise<{ over: string[] }> {
  const path = typeof graderModule === "string" ? graderModule : fileURLToPath(graderModule);
  const lab = await loadGrader(path);
  const quick = opts.quick ?? quickBench();
  const mutants = listMutants(lab.lab, lab.root ?? labDir(lab.lab));
  const all = lab.scenarios.map((s) => s.name);
  // The reference passes, so a learner's run of it runs every seed: benchGrader's run will do.
  const ref: Omit<TimedGrade, "impl"> = opts.reference
    ? { ...opts.reference, peakRssMiB: process.resourceUsage().maxRSS / 1024 }
    : await timedGrade(lab, path, "reference", { learner: true });
  // Quick mode times the reference on the same tests with the same harness (a fresh pool
  // costs about a second to start, which would dwarf a short test's own time).
  const refOn = new Map<string, number>();
  const refWall = async (only: readonly string[]): Promise<number> => {
    const key = only.join("\n");
    if (!refOn.has(key)) refOn.set(key, (await timedGrade(lab, path, "reference", { only, learner: true })).wallMs);
    return refOn.get(key) as number;
  };
  console.log(
    `${lab.lab}: the learner's wait, reference vs ${mutants.length} developer mutants (${quick ? "quick: each mutant's targeted tests only" : "every test"}; a test stops at its first failing seed)`,
  );
  console.log(
    `  reference        ${fmtMs(ref.wallMs).padStart(8)}  ${ref.peakRssMiB.toFixed(0).padStart(5)} MiB  ${formatTally(tally(ref.results))}`,
  );
  console.log(`  storm limits (lab default) and the reference's peak over every seed:`);
  for (const l of formatLimits(lab, peaksOf(ref.results))) console.log(l);
  const over: string[] = [];
  for (const m of mutants) {
    const only = quick ? m.targets.filter((t) => all.includes(t)) : all;
    const g = await timedGrade(lab, path, `mutant:${m.name}`, { only, learner: true });
    const base = quick ? await refWall(only) : ref.wallMs;
    const ratio = g.wallMs / Math.max(1, base);
    const flag = ratio > MUTANT_WAIT_TARGET ? "  OVER TARGET" : "";
    if (flag) over.push(m.name);
    console.log(
      `  ${m.name.padEnd(40)} ${fmtMs(g.wallMs).padStart(8)}  ${g.peakRssMiB.toFixed(0).padStart(5)} MiB  ${ratio.toFixed(2)}x of ${fmtMs(base)}  ${formatTally(tally(g.results)).padEnd(10)} ${caughtBy(g.results)}${flag}`,
    );
  }
  console.log(
    `  target: every mutant within ${MUTANT_WAIT_TARGET}x of the reference's wall time; ${over.length === 0 ? "all within" : `over: ${over.join(", ")}`}`,
  );
  console.log(`  peak RSS of this process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  return { over };
}
