/**
 * The measurement tables of the failure-detector grader, for one seed of every test: what each
 * test measured, with the bounds next to the figures. `pnpm --filter
 * @faultline/grader-failure-detector tables [--impl reference|mutant:<name>|<dir>] [--seed N] [--part B]`
 * grades the implementation (your labs/failure-detector/src by default) in the isolated runtime
 * and prints the tables even when every test passes.
 */
import { fileURLToPath } from "node:url";
import { gradeScenario, WorkerPool } from "@faultline/grading";
import { lab } from "../src/index.ts";

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const impl = arg("--impl") ?? "stub";
const seed = Number(arg("--seed") ?? "1");
const part = arg("--part");
const graderModule = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const pool = new WorkerPool(1);
try {
  for (const s of lab.scenarios) {
    if (part !== undefined && s.part !== part) continue;
    const r = await gradeScenario(lab, s, { lab: lab.lab, graderModule, impl, seeds: [seed], pool });
    const seedResult = r.seeds[0];
    console.log(`${s.name} (seed ${seed}): ${r.status}`);
    for (const line of seedResult?.logs ?? []) console.log(line.replace(/^/gm, "  "));
    if (r.status !== "pass" && r.firstFailure?.failure)
      console.log(`  ${r.firstFailure.failure.invariant}: ${r.firstFailure.failure.message.split("\n")[0]}`);
    console.log("");
  }
} finally {
  await pool.close();
}
