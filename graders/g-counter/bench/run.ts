import { benchGrader, benchMutants } from "@faultline/grading";
const grader = new URL("../src/index.ts", import.meta.url);
const reference = await benchGrader(grader);
// The learner's wait: every developer mutant next to the reference (--quick: targeted tests only).
await benchMutants(grader, { reference });
