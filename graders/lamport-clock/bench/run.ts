/** Wall time, virtual time and peak memory of this grader against the reference. */
import { benchGrader } from "@faultline/grading";

await benchGrader(new URL("../src/index.ts", import.meta.url));
