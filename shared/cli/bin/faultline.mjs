#!/usr/bin/env node
// The `faultline` command as a bin (`pnpm exec faultline`, `node_modules/.bin/faultline`, and
// what `pnpm faultline` / `pnpm grade` run). Plain JavaScript, so `--version` answers without
// loading TypeScript; every other command registers tsx's loader in this process (no second
// node process, as the tsx CLI would start) and runs src/cli.ts.
import { readFileSync } from "node:fs";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`faultline ${pkg.version}\n`);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const { run } = await import("../src/cli.ts");
  process.exitCode = await run(argv);
}
