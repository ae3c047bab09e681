/**
 * What search buys: for developer mutants the search tests catch, the states explored and the
 * wall time until the search's first violation, next to how many random seeds of the run tests
 * that target the same mutant fail, the first one that does, and the wall time spent on seeds
 * until it (seeds 1..N, run one after another as a learner's run would be). The targeted run
 * tests script the schedule that exposes the bug; the random workload under a nemesis (the
 * last test of part B) is run too, as what random seeds find without such a script.
 *
 *   pnpm --filter @faultline/grader-quorum-kv exec tsx bench/search-vs-seeds.ts [seeds] [mutant...]
 */
import { fileURLToPath } from "node:url";
import { gradeScenario, listMutants, loadGrader, WorkerPool, type ScenarioResult } from "@faultline/grading";

const graderModule = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const SEEDS = Number(process.argv[2] ?? 10);
const DEFAULT_MUTANTS = [
  "no-write-back",
  "abd-read-repair-instead-of-write-back",
  "abd-put-without-query",
  "read-one-replica",
];
const wanted = process.argv.length > 3 ? process.argv.slice(3) : DEFAULT_MUTANTS;
const RANDOM_WORKLOAD = "linearizable mode passes the checker under partitions and crashes";

const lab = await loadGrader(graderModule);
const pool = new WorkerPool();
const metric = (r: ScenarioResult, name: string) =>
  r.seeds[0]?.metrics.find((m) => m.name === name)?.value ?? Number.NaN;
const fmt = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

try {
  console.log(`quorum-kv: search tests against ${SEEDS} random seeds (1..${SEEDS}) of the run tests, per mutant`);
  for (const m of listMutants(lab.lab, lab.root as string).filter((x) => wanted.includes(x.name))) {
    const impl = `mutant:${m.name}`;
    console.log(`\n${m.name}: ${m.bug}`);
    for (const name of [...m.targets, ...(m.targets.includes(RANDOM_WORKLOAD) ? [] : [RANDOM_WORKLOAD])]) {
      const scenario = lab.scenarios.find((s) => s.name === name);
      if (!scenario) continue;
      const search = name.startsWith("search:");
      const r = await gradeScenario(lab, scenario, {
        lab: lab.lab,
        graderModule,
        impl,
        pool,
        seeds: search ? [1] : Array.from({ length: SEEDS }, (_, i) => i + 1),
      });
      const failed = r.seeds.filter((s) => s.status !== "pass").map((s) => s.seed);
      if (search) {
        const events = /after (\d+) events?/.exec(r.firstFailure?.failure?.message ?? "")?.[1];
        console.log(
          `  ${name}\n    search: ${failed.length > 0 ? `violation after ${events ?? "?"} events` : "no violation"}, ${metric(r, "states explored")} states, ${fmt(r.seeds[0]?.wallMs ?? Number.NaN)} wall, ${metric(r, "states per second")} states/s`,
        );
      } else {
        const first = failed[0];
        const until = r.seeds.filter((s) => first === undefined || s.seed <= first).reduce((a, s) => a + s.wallMs, 0);
        console.log(
          `  ${name}\n    seeds: ${failed.length}/${r.seeds.length} fail, ${first === undefined ? "none caught it" : `first failing seed ${first}`}, ${fmt(until)} of seeds ${first === undefined ? "in all" : "until it"} (${fmt(r.seeds.reduce((a, s) => a + s.wallMs, 0) / r.seeds.length)} per seed)`,
        );
      }
    }
  }
} finally {
  await pool.close();
}
