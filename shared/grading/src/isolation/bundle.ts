/**
 * Turn an implementation (a learner's src/, a submission, the reference or a mutant) into one
 * self-contained script that a `node:vm` context can evaluate. The bundler is also the first
 * fence: an import may only reach the folders this implementation is allowed to read, so a stub
 * cannot re-export the reference, and host modules (node:fs, node:crypto, ...) do not exist.
 */
import { createHash } from "node:crypto";
import { existsSync, realpathSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildResult, build, type Message, type Plugin } from "esbuild";

/** The only runtime value lab code may import from @faultline/sim (the rest are types). */
export const SIM_SHIM = `export class NotImplemented extends Error {
  constructor(what = "this function") { super(what + " is not implemented yet (TODO)"); this.name = "NotImplemented"; }
}`;

export interface BundleRequest {
  /** The module whose exports are the lab's API (index.ts). */
  entry: string;
  /** Folders the implementation's imports may reach (its own folder, the lab's given src/...). */
  allowedRoots: readonly string[];
  /** Root used to print short file names in errors. */
  displayRoot: string;
}

export interface Bundle {
  /** A script that leaves the module's exports in `globalThis.__lab`. */
  code: string;
  /** sha256 of the code (first 16 hex digits): the cache key of a bundle. */
  hash: string;
  /** Files that went into the bundle, relative to the display root. */
  files: string[];
}

/** The implementation cannot be bundled: a syntax error, a forbidden import, a missing file. */
export class BundleError extends Error {
  constructor(
    message: string,
    /** "file:line:column" of the first problem, when known. */
    readonly location?: string,
  ) {
    super(message);
    this.name = "BundleError";
  }
}

export function real(p: string): string {
  return existsSync(p) ? realpathSync(p) : resolve(p);
}

export function inside(file: string, roots: readonly string[]): boolean {
  return roots.some((r) => file === r || file.startsWith(r.endsWith(sep) ? r : r + sep));
}

function fencePlugin(req: BundleRequest, roots: string[]): Plugin {
  const show = (p: string) => relative(req.displayRoot, p) || p;
  return {
    name: "faultline-fence",
    setup(b) {
      // The simulator package, however it is named (a package name, or its file in a course that has none).
      b.onResolve({ filter: /^@faultline\/sim$|\/shared\/sim\/src\/index\.ts$/ }, () => ({
        path: "sim-shim",
        namespace: "faultline",
      }));
      b.onLoad({ filter: /.*/, namespace: "faultline" }, () => ({ contents: SIM_SHIM, loader: "js" }));
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        const spec = args.path.startsWith("file://") ? fileURLToPath(args.path) : args.path;
        if (spec.startsWith(".") || spec.startsWith("/")) {
          const target = real(resolve(args.resolveDir, spec));
          if (!inside(target, roots)) {
            return {
              errors: [
                {
                  text: `imports "${spec}" (${show(target)}), which is outside the folders this implementation may use (${roots.map(show).join(", ")}): graded code is your own files plus the lab's given files`,
                },
              ],
            };
          }
          return spec === args.path ? undefined : { path: target }; // esbuild reads relative paths itself
        }
        const what = spec.startsWith("node:") ? `the host module "${spec}"` : `the package "${spec}"`;
        return {
          errors: [
            {
              text: `imports ${what}: lab code runs with nothing but its env (env.send, env.setTimer, env.now, env.random, env.disk, env.log) and may import only its own files and NotImplemented from "@faultline/sim"`,
            },
          ],
        };
      });
    },
  };
}

function formatMessage(m: Message, workingDir: string, displayRoot: string): { text: string; location?: string } {
  const loc = m.location;
  if (!loc) return { text: m.text };
  const file = relative(displayRoot, resolve(workingDir, loc.file)) || loc.file;
  const where = `${file}:${loc.line}:${loc.column + 1}`;
  return { text: `${where}: ${m.text}${loc.lineText ? `\n    ${loc.lineText.trim()}` : ""}`, location: where };
}

/** Bundle an implementation, or throw a BundleError naming the first problem with file:line:column. */
/** What esbuild threw, as one BundleError: the first problem with its location, and a count of the rest. */
export function bundleErrorOf(err: unknown, entry: string, displayRoot: string): BundleError {
  const errors = (err as { errors?: Message[] }).errors;
  if (errors && errors.length > 0) {
    const first = formatMessage(errors[0] as Message, dirname(entry), displayRoot);
    const more = errors.length > 1 ? `\n(and ${errors.length - 1} more problem${errors.length > 2 ? "s" : ""})` : "";
    return new BundleError(`${first.text}${more}`, first.location);
  }
  return new BundleError((err as Error).message);
}

export async function bundleImpl(req: BundleRequest): Promise<Bundle> {
  const roots = req.allowedRoots.map(real);
  const entry = real(req.entry);
  if (!inside(entry, roots)) throw new BundleError(`${req.entry} is outside the allowed folders`);
  let result: BuildResult;
  try {
    result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: "iife",
      globalName: "__lab",
      platform: "neutral",
      target: "es2022",
      sourcemap: "inline",
      sourcesContent: false,
      legalComments: "none",
      logLevel: "silent",
      metafile: true,
      absWorkingDir: dirname(entry),
      plugins: [fencePlugin(req, roots)],
    });
  } catch (err) {
    throw bundleErrorOf(err, entry, req.displayRoot);
  }
  const out = result.outputFiles?.[0];
  if (!out) throw new BundleError("the bundler produced no output");
  const code = out.text;
  const files = Object.keys(result.metafile?.inputs ?? {})
    .filter((f) => !f.startsWith("faultline:"))
    .map((f) => relative(req.displayRoot, resolve(dirname(entry), f)));
  return { code, hash: createHash("sha256").update(code).digest("hex").slice(0, 16), files };
}
