/**
 * The faultline command as one cached JavaScript bundle: src/cli.ts with every grader of the
 * course (each loaded on first use from a chunk of its own), made by esbuild on first use and
 * reused until a source file or the list of graders changes. A learner's edit-grade loop then
 * starts without a TypeScript loader in the deciding process: a learner's files are not in this
 * bundle (graders import only their lab's types), so saving one does not rebuild it.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cachedBundle, externalPackages, originalLocations } from "@faultline/bundle-cache";

const CLI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Bump when the entry below changes in a way its text does not show. */
const FORMAT = 1;

/** Where the course's graders are: the same rule as @faultline/grading's courseRoot(). */
function courseRoot() {
  return process.env.FAULTLINE_ROOT ? resolve(process.env.FAULTLINE_ROOT) : resolve(CLI_DIR, "..", "..");
}

/** Every grader entry module of the course, in a stable order. */
function graderModules() {
  const dir = join(courseRoot(), "graders");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((d) => join(dir, d, "src", "index.ts"))
    .filter((f) => existsSync(f));
}

/**
 * `run` from the cached bundle (made now if needed). Throws when the bundle cannot be made (a
 * grader with a syntax error, a read-only checkout): the caller then runs the sources with tsx.
 */
export async function bundledRun() {
  const graders = graderModules();
  const entry = [
    `import { provideGrader } from "@faultline/grading";`,
    ...graders.map((g) => `provideGrader(${JSON.stringify(g)}, () => import(${JSON.stringify(g)}));`),
    `export { run } from ${JSON.stringify(join(CLI_DIR, "src", "cli.ts"))};`,
  ].join("\n");
  const { file, built } = await cachedBundle({
    dir: join(CLI_DIR, "node_modules", ".cache", "faultline-cli"),
    // one bundle per course folder (a learner copy or a test fixture has its own graders)
    name: `cli-${createHash("sha256").update(courseRoot()).digest("hex").slice(0, 12)}`,
    key: `${FORMAT}\n${entry}`,
    options: {
      stdin: { contents: entry, resolveDir: CLI_DIR, loader: "ts", sourcefile: "cli-entry.ts" },
      splitting: true,
      plugins: [externalPackages(), originalLocations()],
    },
  });
  if (process.env.FAULTLINE_DEBUG)
    process.stderr.write(`faultline: ${built ? "built" : "reused"} the cached bundle ${file}\n`);
  return (await import(pathToFileURL(file).href)).run;
}
