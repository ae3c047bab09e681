import { benchGrader, benchIsolationCost, benchMutants, quickBench } from "@faultline/grading";
import { benchSearchVsSeeds } from "./search-vs-seeds.ts";

const grader = new URL("../src/index.ts", import.meta.url);
const reference = await benchGrader(grader);
// What isolation costs here: the simulated tests as a module and in vm contexts, side by side.
await benchIsolationCost(grader, { seeds: quickBench() ? 1 : 3 });
// The learner's wait: every developer mutant next to the reference (--quick: targeted tests only).
await benchMutants(grader, { reference });
// What search buys: a search test's states to a mutant's first violation against the seeds run tests need.
await benchSearchVsSeeds();
