/**
 * Grade the instrumented reference of a lab once, with one mutant switched on, outside a
 * Stryker run (to look at a mutant again while labs/<lab>/reference is instrumented):
 *
 *   __STRYKER_ACTIVE_MUTANT__=<id> tsx shared/mutate/src/grade-mutant.ts <lab> [--jobs N]
 *
 * `pnpm mutate` does not use this: it grades every mutant with one long-lived grader
 * (grade-service.ts). Exit 0: every test passed; exit 1: a test failed.
 */
import { graderModulePath, loadGrader, WorkerPool } from "@faultline/grading";
import { ACTIVE_MUTANT_ENV } from "./active-mutant.ts";
import { gradeMutant } from "./grade-service.ts";
import { mutationPaths } from "./paths.ts";

async function main(argv: string[]): Promise<number> {
  const [lab, ...rest] = argv;
  if (!lab) {
    console.error("usage: grade-mutant.ts <lab> [--jobs N]");
    return 2;
  }
  const jobsAt = rest.indexOf("--jobs");
  const jobs = jobsAt >= 0 ? Number(rest[jobsAt + 1]) : 1;
  const paths = mutationPaths(lab);
  const mutant = process.env[ACTIVE_MUTANT_ENV];
  const grader = await loadGrader(graderModulePath(lab));
  const pool = new WorkerPool(Number.isInteger(jobs) && jobs > 0 ? jobs : 1);
  try {
    const failed = await gradeMutant(grader, pool, paths, mutant, `${paths.activeImpl}-cli`);
    const who = mutant === undefined ? "the reference (no mutant)" : `mutant ${mutant}`;
    console.log(failed === null ? `${who}: every test passed` : `${who} fails ${failed}`);
    return failed === null ? 0 : 1;
  } finally {
    await pool.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
