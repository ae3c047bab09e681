/**
 * The layering rule of the repository: graders -> labs -> shared, never back. Code under
 * `shared/` must not depend on a lab or a grader, by package name (`@faultline/lab-*`,
 * `@faultline/grader-*`) or by path (`../../labs/...`, `new URL("../graders/...", import.meta.url)`),
 * in a package.json dependency or in any module specifier: static and dynamic imports,
 * re-exports, require, import.meta.resolve and file URLs built from import.meta.url.
 * A lab is found at run time by name (a grader module path, a lab folder), never imported.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

export interface Violation {
  /** File relative to the root, with / separators. */
  file: string;
  line: number;
  specifier: string;
  why: string;
}

const SKIP_DIRS = new Set(["node_modules", "dist", "docs-site", ".turbo", "coverage", ".faultline"]);
const CODE = /\.(?:[cm]?[jt]s|tsx|jsx)$/;
const FORBIDDEN_PACKAGE = /^@faultline\/(?:lab|grader)-/;
const FORBIDDEN_FOLDERS = ["labs", "graders"];

/** Module specifiers in source text: each with the line it is on. */
const SPECIFIER_PATTERNS = [
  /\bfrom\s*["']([^"']+)["']/g, // import ... from "x", export ... from "x"
  /\bimport\s*["']([^"']+)["']/g, // import "x"
  /\bimport\s*\(\s*["']([^"']+)["']/g, // import("x")
  /\brequire\s*\(\s*["']([^"']+)["']/g, // require("x")
  /\bimport\.meta\.resolve\s*\(\s*["']([^"']+)["']/g, // import.meta.resolve("x")
  /\bnew\s+URL\s*\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url/g, // new URL("x", import.meta.url)
];

/** Blank out comments (keeping line breaks, so line numbers stay right). */
function withoutComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/(^|[^:"'`\\])\/\/[^\n]*/g, (_, before: string) => before);
}

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) yield* files(join(dir, entry.name));
    } else yield join(dir, entry.name);
  }
}

/** Why `specifier`, written in `file`, reaches a lab or a grader; undefined when it does not. */
function forbidden(root: string, file: string, specifier: string): string | undefined {
  if (FORBIDDEN_PACKAGE.test(specifier)) return "a lab or grader package";
  if (!(specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("file:"))) return undefined;
  const path = specifier.startsWith("file:") ? new URL(specifier).pathname : resolve(dirname(file), specifier);
  const rel = relative(root, path).split(sep);
  if (rel[0] && FORBIDDEN_FOLDERS.includes(rel[0])) return `a path into ${rel[0]}/`;
  return undefined;
}

/** Every dependency of `<root>/shared/*` on `labs/` or `graders/`. */
export function findLayeringViolations(root: string): Violation[] {
  const out: Violation[] = [];
  const shared = join(root, "shared");
  if (!existsSync(shared)) return out;
  const show = (f: string) => relative(root, f).split(sep).join("/");
  for (const file of files(shared)) {
    if (file.endsWith("package.json")) {
      const text = readFileSync(file, "utf8");
      const pkg = JSON.parse(text) as Record<string, unknown>;
      for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
        const deps = (pkg[field] ?? {}) as Record<string, string>;
        for (const [name, version] of Object.entries(deps)) {
          const linked = /^(?:link|file|portal):(.*)$/.exec(version);
          const why = FORBIDDEN_PACKAGE.test(name)
            ? "a lab or grader package"
            : linked
              ? forbidden(root, file, linked[1] as string)
              : undefined;
          if (why)
            out.push({
              file: show(file),
              line: lineOf(text, text.indexOf(`"${name}"`)),
              specifier: `${field}.${name}`,
              why,
            });
        }
      }
      continue;
    }
    if (!CODE.test(file)) continue;
    const text = withoutComments(readFileSync(file, "utf8"));
    for (const pattern of SPECIFIER_PATTERNS) {
      for (const m of text.matchAll(pattern)) {
        const specifier = m[1] as string;
        const why = forbidden(root, file, specifier);
        if (why) out.push({ file: show(file), line: lineOf(text, m.index ?? 0), specifier, why });
      }
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
