#!/usr/bin/env node
// The `faultline` command as a bin (`pnpm exec faultline`, `node_modules/.bin/faultline`, and
// what `pnpm faultline` / `pnpm grade` run). Plain JavaScript, so `--version` answers without
// loading TypeScript. The learner's loop (grade, watch, hint, status, soak, trace) runs from a
// cached bundle of src/cli.ts and the graders (bundled-cli.mjs), with no TypeScript loader;
// other commands, or any command when that bundle cannot be made, register tsx's loader in this
// process (no second node process, as the tsx CLI would start) and run src/cli.ts. `lin` goes to
// the checker's own plain-JavaScript entry (a cached bundle as well).
import { readFileSync } from "node:fs";

/** Commands that never import TypeScript at run time, so the bundle serves them. */
const BUNDLED = new Set(["grade", "watch", "hint", "status", "soak", "trace"]);

/** `run` of the CLI: from the cached bundle when it serves `command`, else the sources through tsx. */
async function loadRun(command) {
  if (BUNDLED.has(command) && process.env.FAULTLINE_NO_BUNDLE !== "1") {
    try {
      return await (await import("./bundled-cli.mjs")).bundledRun();
    } catch (err) {
      if (process.env.FAULTLINE_DEBUG)
        process.stderr.write(`faultline: running the sources (the cached bundle failed: ${err?.message ?? err})\n`);
    }
  }
  const { register } = await import("tsx/esm/api");
  register();
  return (await import("../src/cli.ts")).run;
}

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`faultline ${pkg.version}\n`);
} else if (argv[0] === "lin" && !argv.includes("--help") && !argv.includes("-h")) {
  process.argv.splice(2, 1); // that entry reads its arguments after the command name
  await import("@faultline/check/bin/faultline-lin.mjs");
} else {
  const run = await loadRun(argv[0]);
  process.exitCode = await run(argv);
}
