import { pgliteTemplate } from "@faultline/lab-idempotency-api/framework";
import { registerCourseChecks } from "@faultline/grading/vitest";

// Initializing a PGlite data directory takes seconds; do it once before the timed seeds.
if (!process.env.DATABASE_URL) await pgliteTemplate();
await registerCourseChecks(new URL("../src/index.ts", import.meta.url));
