#!/usr/bin/env node
/**
 * `faultline lin` as one plain Node process, for when start-up time counts (checking many
 * histories from a script, comparing with Porcupine's Go binary): the same runLinCommand as
 * `pnpm faultline lin`, loaded from a JavaScript bundle of src/cli-lin.ts instead of through
 * tsx. esbuild makes the bundle on first use and it is kept in node_modules/.cache until one of
 * its source files changes (checked by size and modification time), so nothing is built by hand.
 *
 *   node shared/check/bin/faultline-lin.mjs cas-register history.log ...
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "src", "cli-lin.ts");
const cacheDir = join(root, "node_modules", ".cache", "faultline-lin");
const bundleFile = join(cacheDir, "cli-lin.mjs");
const manifestFile = join(cacheDir, "inputs.json");

/** True when every source the bundle was made from is unchanged. */
function bundleIsFresh() {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(manifestFile, "utf8"));
    statSync(bundleFile);
  } catch {
    return false;
  }
  for (const [file, size, mtimeMs] of inputs) {
    try {
      const s = statSync(file);
      if (s.size !== size || s.mtimeMs !== mtimeMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Bundle cli-lin.ts; returns a URL to import it from (the cache file, or the code itself when the cache cannot be written). */
async function buildBundle() {
  const { build } = await import("esbuild");
  const result = await build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", target: "node20", write: false, metafile: true, absWorkingDir: root, logLevel: "silent" });
  const code = result.outputFiles[0].text;
  const inputs = Object.keys(result.metafile.inputs).map((p) => {
    const file = resolve(root, p);
    const s = statSync(file);
    return [file, s.size, s.mtimeMs];
  });
  try {
    mkdirSync(cacheDir, { recursive: true });
    // write then rename, so a run started meanwhile never reads half a file
    const tmp = `${bundleFile}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, bundleFile);
    writeFileSync(`${manifestFile}.${process.pid}.tmp`, JSON.stringify(inputs));
    renameSync(`${manifestFile}.${process.pid}.tmp`, manifestFile);
    return pathToFileURL(bundleFile).href;
  } catch {
    return `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`;
  }
}

const url = bundleIsFresh() ? pathToFileURL(bundleFile).href : await buildBundle();
const { runLinCommand } = await import(url);
process.exitCode = await runLinCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
