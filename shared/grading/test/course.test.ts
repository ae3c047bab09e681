import { registerCourseChecks } from "../src/vitest.ts";
await registerCourseChecks(new URL("../fixtures/echo/grader.ts", import.meta.url));
