#!/usr/bin/env node
/**
 * `faultline lin` as one plain Node process, for when start-up time counts (checking many
 * histories from a script, comparing with Porcupine's Go binary): the same runLinCommand as
 * `pnpm faultline lin`, loaded from a JavaScript bundle of src/cli-lin.ts instead of through
 * tsx. esbuild makes the bundle on first use and it is kept in node_modules/.cache until one of
 * its source files changes (@faultline/bundle-cache), so nothing is built by hand.
 *
 *   node shared/check/bin/faultline-lin.mjs cas-register history.log ...
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cachedBundle } from "@faultline/bundle-cache";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { file } = await cachedBundle({
  dir: join(root, "node_modules", ".cache", "faultline-lin"),
  name: "cli-lin",
  options: { entryPoints: [join(root, "src", "cli-lin.ts")], absWorkingDir: root },
});
const { runLinCommand } = await import(pathToFileURL(file).href);
process.exitCode = await runLinCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
