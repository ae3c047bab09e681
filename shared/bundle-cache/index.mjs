/**
 * esbuild bundles kept on disk until one of their sources changes.
 *
 * Compiling TypeScript on the fly (tsx) costs every command about half a second of CPU before it
 * does anything. A bundle made once and reused while its sources are unchanged costs a few
 * milliseconds of `stat` calls instead. Plain JavaScript, so a bin can use it before any
 * TypeScript loader exists.
 *
 * A bundle lives in `<dir>/<name>-<stamp>/` with a manifest `<dir>/<name>.json` listing every
 * source file it was made from (size and modification time) and the caller's key (what else
 * decides its content: an entry's text, a list of modules). It is fresh when the key matches and
 * no source changed. A new bundle is written to a new folder and the manifest replaced by a
 * rename, so a process still running an older bundle (and loading its chunks) is never broken;
 * folders older than {@link KEEP_OLD_MS} that the manifest no longer names are removed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** How long a replaced bundle folder stays (a process started before the rebuild may still load its chunks). */
export const KEEP_OLD_MS = 10 * 60_000;

/** The manifest of `name` in `dir` when it is fresh for `key`, else undefined. */
function freshManifest(dir, name, key) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
  } catch {
    return undefined;
  }
  if (manifest?.key !== key || typeof manifest.entry !== "string" || !Array.isArray(manifest.inputs)) return undefined;
  if (!existsSync(manifest.entry)) return undefined;
  for (const [file, size, mtimeMs] of manifest.inputs) {
    try {
      const s = statSync(file);
      if (s.size !== size || s.mtimeMs !== mtimeMs) return undefined;
    } catch {
      return undefined;
    }
  }
  return manifest;
}

/**
 * An esbuild plugin for bundles that run from a cache folder but must behave as if each module
 * ran from its own file: `import.meta.url` becomes the module's original file URL, and
 * `import.meta.resolve("literal")` the URL it resolves to from the original folder (resolved
 * when the bundle is made). Any other `import.meta.resolve` fails the build, so a caller can fall
 * back to running the sources.
 */
export function originalLocations() {
  return {
    name: "faultline-original-locations",
    setup(build) {
      // TypeScript sources only: the plain-JavaScript bins (this file among them) never need it.
      build.onLoad({ filter: /\.[cm]?tsx?$/ }, async (args) => {
        if (args.path.includes(`${"/"}node_modules${"/"}`)) return undefined;
        let text = readFileSync(args.path, "utf8");
        if (!text.includes("import.meta")) return undefined;
        const errors = [];
        const resolves = [...text.matchAll(/import\.meta\.resolve\(\s*(["'])([^"']+)\1\s*\)/g)];
        for (const m of resolves) {
          const r = await build.resolve(m[2], { resolveDir: dirname(args.path), kind: "import-statement" });
          if (r.errors.length > 0 || !r.path) errors.push({ text: `cannot resolve ${m[2]} from ${args.path}` });
          else text = text.replace(m[0], JSON.stringify(pathToFileURL(r.path).href));
        }
        if (/import\.meta\.resolve\s*\(/.test(text))
          errors.push({ text: `${args.path}: import.meta.resolve with a computed argument cannot be bundled` });
        // the expression, not the words inside a string or a pattern
        text = text.replace(/(?<![\w$."'`\\])import\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href));
        const ext = args.path.slice(args.path.lastIndexOf(".") + 1);
        const loader = ext === "tsx" ? "tsx" : ext.endsWith("ts") ? "ts" : "js";
        return { contents: text, loader, errors };
      });
    },
  };
}

/**
 * An esbuild plugin: workspace packages (`@faultline/*`) are bundled from source; every other
 * package stays external, imported at run time by its absolute path as resolved from the
 * importing module (pnpm keeps each package's dependencies beside it, so a bare name would not
 * resolve from a cache folder).
 */
export function externalPackages() {
  return {
    name: "faultline-external-packages",
    setup(build) {
      // A file URL (a course fixture without node_modules) is a file like any other.
      build.onResolve({ filter: /^file:\/\// }, (args) => ({ path: fileURLToPath(args.path) }));
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith("@faultline/") || args.kind === "entry-point" || args.pluginData === "inner")
          return undefined;
        if (args.path.startsWith("node:")) return { path: args.path, external: true };
        const r = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: "inner" });
        if (r.errors.length > 0 || !r.path) return { path: args.path, external: true };
        return { path: r.path, external: true };
      });
    },
  };
}

/**
 * The entry file of a fresh bundle of `options` (esbuild build options: entryPoints or stdin,
 * plugins, format...), made now if the cached one is missing or stale.
 *
 * @param {{ dir: string, name: string, key?: string, options: import("esbuild").BuildOptions }} spec
 * @returns {Promise<{ file: string, built: boolean }>}
 */
export async function cachedBundle({ dir, name, key = "", options }) {
  const fresh = freshManifest(dir, name, key);
  if (fresh) return { file: fresh.entry, built: false };

  const { build } = await import("esbuild");
  const absWorkingDir = options.absWorkingDir ?? process.cwd();
  mkdirSync(dir, { recursive: true });
  const outdir = join(dir, `${name}-${Date.now().toString(36)}-${process.pid}`);
  const result = await build({
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
    ...options,
    absWorkingDir,
    outdir,
    entryNames: name,
    chunkNames: "chunk-[hash]",
    // ECMAScript modules wherever the cache folder is (no package.json "type" needed)
    outExtension: { ".js": ".mjs" },
    write: true,
    metafile: true,
  });
  // the entry is named after the bundle (entryNames); dynamically imported modules get chunks
  const entry = Object.keys(result.metafile.outputs).find((p) => p.endsWith(`/${name}.mjs`));
  if (!entry) throw new Error(`bundle ${name}: esbuild reported no entry output`);
  const inputs = [];
  for (const p of Object.keys(result.metafile.inputs)) {
    const file = resolve(absWorkingDir, p.replace(/^[a-z-]+:/, ""));
    if (!existsSync(file)) continue; // <stdin> and virtual modules: their text is in the key
    const s = statSync(file);
    inputs.push([file, s.size, s.mtimeMs]);
  }
  const manifest = { key, entry: resolve(absWorkingDir, entry), inputs };
  const tmp = join(dir, `${name}.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(manifest));
  renameSync(tmp, join(dir, `${name}.json`));
  pruneOld(dir, name, outdir);
  return { file: manifest.entry, built: true };
}

/** Remove this bundle's replaced folders once no process can still be starting from them. */
function pruneOld(dir, name, current) {
  const now = Date.now();
  for (const d of readdirSync(dir)) {
    const full = join(dir, d);
    if (full === current || !d.startsWith(`${name}-`) || d.endsWith(".json")) continue;
    try {
      if (now - statSync(full).mtimeMs > KEEP_OLD_MS) rmSync(full, { recursive: true, force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}
