import { benchGrader, benchIsolationCost, benchMutants, quickBench } from "@faultline/grading";
import { benchSearchVsSeeds } from "./search-vs-seeds.ts";

const grader = new URL("../src/index.ts", import.meta.url);
const reference = await benchGrader(grader);
// Isolation's target: the simulated parts (all but part E's real processes) took about 15 s of
// wall time before learner code ran in vm contexts; no more than 1.25x that.
const BEFORE_ISOLATION_S = 15;
const simulated = await benchGrader(grader, "reference", { parts: ["A", "B", "C", "D", "F"] });
console.log(
  `  simulated parts  ${(simulated.wallMs / 1000).toFixed(1)} s of wall time (before isolation about ${BEFORE_ISOLATION_S} s; target at most ${1.25 * BEFORE_ISOLATION_S} s)`,
);
// What isolation costs here: the simulated tests as a module and in vm contexts, side by side.
await benchIsolationCost(grader, { seeds: quickBench() ? 1 : 3 });
// The learner's wait: every developer mutant next to the reference (--quick: targeted tests only).
await benchMutants(grader, { reference });
// What search buys: a search test's states to a mutant's first violation against the seeds run tests need.
await benchSearchVsSeeds();
