import { benchGrader } from "@faultline/grading";
import { pgliteTemplate } from "@faultline/lab-idempotency-api/framework";

if (!process.env.DATABASE_URL) await pgliteTemplate();
await benchGrader(new URL("../src/index.ts", import.meta.url));
