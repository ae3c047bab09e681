/** The course rules for this grader: reference 100%, stubs "not started", every mutant caught. */
import { registerCourseChecks } from "@faultline/grading/vitest";

await registerCourseChecks(new URL("../src/index.ts", import.meta.url));
