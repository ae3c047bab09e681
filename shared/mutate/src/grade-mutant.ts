/**
 * The test command Stryker runs for each mutant (and once without one, its dry run):
 *
 *   tsx shared/mutate/src/grade-mutant.ts <lab> [--jobs N]
 *
 * Grades the lab's instrumented reference with the mutant named by __STRYKER_ACTIVE_MUTANT__
 * switched on. Exit 0: every scenario passed (the mutant survived); exit 1: a scenario failed
 * (killed; the line printed says which, and Stryker keeps it as the mutant's status reason).
 */
import { join } from "node:path";
import { graderModulePath, loadGrader, WorkerPool } from "@faultline/grading";
import { ACTIVE_MUTANT_ENV, stageActiveMutant } from "./active-mutant.ts";
import { firstFailure } from "./first-failure.ts";
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
  const instrumented = stageActiveMutant(paths.reference, paths.activeImpl, mutant);
  if (instrumented === 0) {
    // Graded code without Stryker's switches would make every mutant "survive".
    console.error(`labs/${lab}/reference holds no instrumented file: run this through pnpm mutate ${lab}`);
    return 2;
  }
  const graderModule = graderModulePath(lab);
  const grader = await loadGrader(graderModule);
  const pool = new WorkerPool(Number.isInteger(jobs) && jobs > 0 ? jobs : 1);
  try {
    const failed = await firstFailure(grader, { graderModule, pool, impl: paths.activeImpl, traceDir: join(paths.state, "traces") });
    const who = mutant === undefined ? "the reference (no mutant)" : `mutant ${mutant}`;
    if (!failed) {
      console.log(`${who}: every test passed`);
      return 0;
    }
    console.log(`${who} fails ${failed.summary}`);
    return 1;
  } finally {
    await pool.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
