/**
 * Bundle an implementation that runs as a process of its own (a lab whose code serves real HTTP
 * and keeps a database), together with the trusted host module that runs it, into one ES module
 * file. The learner's files get the fence of bundle.ts (their own folder and the lab's given
 * folders, no packages, `@faultline/sim` as a shim), except that Node's built-in modules may be
 * imported: the process runs under the permission model, which decides what they may do. Trusted
 * files (the host, the lab's framework, workspace packages) may import packages; those stay
 * outside the bundle, and their folders are returned so the process may be allowed to read them.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BuildResult, build, type Plugin } from "esbuild";
import { BundleError, bundleErrorOf, inside, real, SIM_SHIM } from "./bundle.ts";
import type { ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { courseRoot, labDir, REPO_ROOT } from "../impl.ts";
import { stampOf } from "./prepare.ts";

export interface ProcessBundleRequest {
  /** The implementation's module (index.ts of src/, reference/, a mutant or a submission). */
  entry: string;
  /** The trusted module that runs it: `await host[hostExport](implementationExports)`. */
  host: string;
  hostExport: string;
  /** Folders the implementation's imports may reach (its own, the lab's given folders). */
  allowedRoots: readonly string[];
  /** Folders of trusted code (the host's, the lab's framework): they may import packages. */
  trustedRoots: readonly string[];
  /** Root used to print short file names in errors. */
  displayRoot: string;
  /** Where the bundle file is written (named by its hash). */
  outDir: string;
}

export interface ProcessBundle {
  /** The bundle, an ES module for node. */
  file: string;
  hash: string;
  /** Files that went into the bundle, relative to the display root. */
  files: string[];
  /** Folders of the packages the bundle imports at run time, with their dependencies. */
  packageDirs: string[];
}

const BUILTINS = new Set(builtinModules);

function isBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || BUILTINS.has(spec) || BUILTINS.has(spec.split("/")[0] ?? "");
}

/** The folder of the package holding `file` (the first ancestor with a package.json naming it). */
function packageRoot(file: string): string | undefined {
  for (let d = dirname(file); d !== dirname(d); d = dirname(d)) {
    const pj = join(d, "package.json");
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, "utf8")) as { name?: string }).name) return d;
  }
  return undefined;
}

/**
 * The node_modules folders a package needs to be read from: the one holding it (with pnpm, its
 * dependencies are links next to it) and, recursively, those of its dependencies.
 */
function packageClosure(root: string, out = new Set<string>(), seen = new Set<string>()): Set<string> {
  if (seen.has(root)) return out;
  seen.add(root);
  let holder = dirname(root);
  if (basename(holder).startsWith("@")) holder = dirname(holder);
  out.add(holder);
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    // Node's lookup: <ancestor>/node_modules/<dep>, nearest first.
    for (let d = root; d !== dirname(d); d = dirname(d)) {
      if (basename(d) === "node_modules") continue;
      const cand = join(d, "node_modules", dep);
      if (existsSync(join(cand, "package.json"))) {
        packageClosure(realpathSync(cand), out, seen);
        break;
      }
    }
  }
  return out;
}

function processFence(req: ProcessBundleRequest, allowed: string[], trusted: string[], externals: Set<string>): Plugin {
  const show = (p: string) => relative(req.displayRoot, p) || p;
  const workspace = [real(join(REPO_ROOT, "shared"))];
  const isTrusted = (importer: string) =>
    importer === "" || importer === "<stdin>" || inside(importer, trusted) || inside(importer, workspace);
  return {
    name: "faultline-process-fence",
    setup(b) {
      b.onLoad({ filter: /.*/, namespace: "faultline" }, () => ({ contents: SIM_SHIM, loader: "js" }));
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point" || args.pluginData === "inner") return undefined;
        const spec = args.path.startsWith("file://") ? fileURLToPath(args.path) : args.path;
        if (isBuiltin(spec)) return { path: spec.startsWith("node:") ? spec : `node:${spec}`, external: true };
        const relativeSpec = spec.startsWith(".") || spec.startsWith("/");
        if (isTrusted(args.importer)) {
          // Workspace packages and the framework's own files are bundled from source; other
          // packages load from node_modules at run time.
          if (relativeSpec || spec.startsWith("@faultline/")) {
            const r = await b.resolve(spec, { resolveDir: args.resolveDir, kind: args.kind, pluginData: "inner" });
            if (r.errors.length > 0 || !r.path)
              return {
                errors:
                  r.errors.length > 0 ? r.errors : [{ text: `cannot resolve "${spec}" from ${show(args.importer)}` }],
              };
            // A workspace package's modules are kept only for what is used from them (a module
            // that starts processes at import time stays out when nothing of it is imported).
            return inside(r.path, workspace) ? { path: r.path, sideEffects: false } : { path: r.path };
          }
          const r = await b.resolve(spec, { resolveDir: args.resolveDir, kind: args.kind, pluginData: "inner" });
          if (r.errors.length > 0 || !r.path)
            return { errors: [{ text: `cannot resolve the package "${spec}" from ${show(args.importer)}` }] };
          const root = packageRoot(r.path);
          if (root) externals.add(root);
          return { path: r.path, external: true };
        }
        if (spec === "@faultline/sim" || /\/shared\/sim\/src\/index\.ts$/.test(spec))
          return { path: "sim-shim", namespace: "faultline" };
        if (relativeSpec) {
          const target = real(resolve(args.resolveDir, spec));
          if (!inside(target, allowed)) {
            return {
              errors: [
                {
                  text: `imports "${spec}" (${show(target)}), which is outside the folders this implementation may use (${allowed.map(show).join(", ")}): graded code is your own files plus the lab's given files`,
                },
              ],
            };
          }
          return spec === args.path ? undefined : { path: target };
        }
        return {
          errors: [
            {
              text: `imports the package "${spec}": lab code may import its own files, the lab's framework, Node's built-in modules (node:crypto, ...) and NotImplemented from "@faultline/sim"`,
            },
          ],
        };
      });
    },
  };
}

/** Bundle implementation and host, or throw a BundleError naming the first problem with file:line:column. */
export async function bundleProcessImpl(req: ProcessBundleRequest): Promise<ProcessBundle> {
  const allowed = req.allowedRoots.map(real);
  const trusted = req.trustedRoots.map(real);
  const entry = real(req.entry);
  if (!inside(entry, allowed)) throw new BundleError(`${req.entry} is outside the allowed folders`);
  const externals = new Set<string>();
  const host = real(req.host);
  let result: BuildResult;
  try {
    result = await build({
      stdin: {
        contents: `import * as impl from ${JSON.stringify(entry)};\nimport { ${req.hostExport} as host } from ${JSON.stringify(host)};\nawait host(impl);\n`,
        resolveDir: dirname(host),
        loader: "ts",
        sourcefile: "host-entry.ts",
      },
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      sourcemap: "inline",
      // Stacks name the source files where they are, wherever the bundle is written.
      sourceRoot: `${pathToFileURL(dirname(entry)).href}/`,
      sourcesContent: false,
      legalComments: "none",
      logLevel: "silent",
      metafile: true,
      absWorkingDir: dirname(entry),
      plugins: [processFence(req, allowed, trusted, externals)],
    });
  } catch (err) {
    throw bundleErrorOf(err, entry, req.displayRoot);
  }
  const code = result.outputFiles?.[0]?.text;
  if (code === undefined) throw new BundleError("the bundler produced no output");
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  mkdirSync(req.outDir, { recursive: true });
  const file = join(req.outDir, `impl-${hash}.mjs`);
  if (!existsSync(file)) {
    // Written under a temporary name first: another process may be reading the same bundle.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  const packageDirs = new Set<string>();
  for (const root of externals) packageClosure(root, packageDirs);
  const files = Object.keys(result.metafile?.inputs ?? {})
    .filter((f) => !f.startsWith("faultline:") && f !== "<stdin>")
    .map((f) => relative(req.displayRoot, resolve(dirname(entry), f)));
  return { file, hash, files, packageDirs: [...packageDirs] };
}

function isWithin(file: string, dir: string): boolean {
  const rel = relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith("/");
}

const labBundles = new Map<string, { stamp: string; bundle: Promise<ProcessBundle> }>();

/**
 * The bundle of a process-hosted lab's implementation at `implPath` with the lab's host
 * (`framework/host.ts`, export `runHost`), made once while its files do not change. Its imports
 * reach the implementation's folder, the lab's src/ and framework/, and reference/ only for the
 * reference and the mutants (variants of it, instructors' code).
 */
export function labProcessBundle(lab: string, implPath: string): Promise<ProcessBundle> {
  const dir = labDir(lab);
  const framework = join(dir, "framework");
  const roots = [dirname(implPath), join(dir, "src"), framework];
  if (isWithin(implPath, join(dir, "reference")) || isWithin(implPath, join(dir, "mutants")))
    roots.push(join(dir, "reference"));
  const stamp = stampOf(roots);
  const key = `${lab}\n${implPath}`;
  const hit = labBundles.get(key);
  if (hit && hit.stamp === stamp) return hit.bundle;
  const bundle = bundleProcessImpl({
    entry: implPath,
    host: join(framework, "host.ts"),
    hostExport: "runHost",
    allowedRoots: roots,
    trustedRoots: [framework],
    displayRoot: courseRoot(),
    outDir: join(tmpdir(), `faultline-${lab}-bundles`),
  });
  labBundles.set(key, { stamp, bundle });
  bundle.catch(() => labBundles.delete(key));
  return bundle;
}

/** An error for the learner: its message is the whole story, without the grader's stack. */
export function learnerFacingError(message: string): Error {
  const e = new Error(message);
  e.stack = message;
  return e;
}

/**
 * Does a process-hosted lab's implementation load? Bundled (a syntax error or a forbidden
 * import names its file, line and column), then started by `spawn` (a restricted process of the
 * lab's host in its "load" role), which must print `loaded` and exit 0 within `limitMs`. Throws
 * why not, in words for the learner.
 */
export async function checkProcessLabLoads(
  lab: string,
  implPath: string,
  o: { spawn: (bundle: ProcessBundle) => ChildProcess; loaded: string; limitMs: number },
): Promise<void> {
  let bundle: ProcessBundle;
  try {
    bundle = await labProcessBundle(lab, implPath);
  } catch (err) {
    if (err instanceof BundleError) throw learnerFacingError(err.message);
    throw err;
  }
  const child = o.spawn(bundle);
  let out = "";
  let errText = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr?.on("data", (c: Buffer) => (errText = (errText + c.toString("utf8")).slice(-3000)));
  child.stdin?.end();
  let timer: NodeJS.Timeout | undefined;
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | "timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), o.limitMs);
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(timer);
  if (result === "timeout") {
    child.kill("SIGKILL");
    throw learnerFacingError(
      `your module did not finish loading within ${o.limitMs / 1000} s (an endless loop at the top level of a file?)`,
    );
  }
  if (result.code === 0 && out.includes(o.loaded)) return;
  // Node prints the bundle's line and a caret before the error; the error and its frames in
  // the learner's files (source-mapped) say more.
  const lines = errText.trim().split("\n");
  const start = lines.findIndex((l) => /^[A-Za-z]*(Error|Exception)\b/.test(l));
  const bundleDir = `faultline-${lab}-bundles`;
  const why = lines
    .slice(Math.max(0, start))
    .filter((l) => !/node:internal|^Node\.js v\d/.test(l) && !l.includes(bundleDir) && l.trim() !== "")
    .slice(0, 8)
    .join("\n");
  throw learnerFacingError(
    `${result.signal ? `the process loading it was killed (${result.signal})` : `loading it failed (exit code ${result.code})`}${why ? `: ${why}` : ""}`,
  );
}
