import { benchGrader } from "@faultline/grading";

await benchGrader(new URL("../src/index.ts", import.meta.url));
