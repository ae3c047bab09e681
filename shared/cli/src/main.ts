#!/usr/bin/env -S npx tsx
/** Entry point of `pnpm faultline ...` and `pnpm grade ...` (run with tsx, no build step). */
import { run } from "./cli.ts";

const code = await run(process.argv.slice(2));
process.exitCode = code;
