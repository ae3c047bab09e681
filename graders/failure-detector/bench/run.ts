/**
 * What the failure-detector grader costs: CPU seconds per simulated test, the implementation
 * imported as a module and bundled into one vm context per node (one seed each), then the
 * developer mutants' grades next to the reference's.
 */
import { benchIsolationCost, benchGrader, benchMutants } from "@faultline/grading";
const grader = new URL("../src/index.ts", import.meta.url);
await benchIsolationCost(grader, { seeds: 1, rounds: 1 });
if (!process.argv.includes("--cpu-only")) {
  const reference = await benchGrader(grader);
  await benchMutants(grader, { reference });
}
