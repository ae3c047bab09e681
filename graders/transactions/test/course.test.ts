import { registerCourseChecks } from "@faultline/grading/vitest";
await registerCourseChecks(new URL("../src/index.ts", import.meta.url));
