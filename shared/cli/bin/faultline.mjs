#!/usr/bin/env node
// The `faultline` command as a bin (`pnpm exec faultline`, `node_modules/.bin/faultline`, and
// what `pnpm faultline` / `pnpm grade` run). Plain JavaScript, so `--version` answers without
// loading TypeScript; every other command registers tsx's loader in this process (no second
// node process, as the tsx CLI would start) and runs src/cli.ts. `lin` goes to the checker's own
// plain-JavaScript entry (a cached bundle), which needs no TypeScript loader at all.
import { readFileSync } from "node:fs";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`faultline ${pkg.version}\n`);
} else if (argv[0] === "lin" && !argv.includes("--help") && !argv.includes("-h")) {
  process.argv.splice(2, 1); // that entry reads its arguments after the command name
  await import("@faultline/check/bin/faultline-lin.mjs");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const { run } = await import("../src/cli.ts");
  process.exitCode = await run(argv);
}
