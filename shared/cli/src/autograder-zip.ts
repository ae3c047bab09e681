/**
 * A Gradescope autograder as a zip: at its root `setup.sh` and `run_autograder` (from
 * templates/gradescope/) and `autograder.env` (the labs, the Node line, the pinned pnpm), next
 * to the part of the course that grades: the workspace's manifests and lockfile, the shared
 * packages, each chosen lab's given files and its grader (hidden tests included, they count
 * for grades). Never inside: reference solutions, mutants, the handbook, tests, benchmarks.
 * In a git checkout the files come from HEAD, as for `course export`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { zipSync, type Zippable } from "fflate";
import { committedFiles, isGitCheckout, readBlobs, uncommittedChanges } from "./committed.ts";

export const TEMPLATES = new URL("../templates/gradescope/", import.meta.url);

export interface AutograderOptions {
  labs: readonly string[];
  /** Node major line setup.sh installs when the image has no Node >= 20.19 (default 22). */
  nodeMajor?: number;
  /** Gradescope visibility of hidden tests. */
  hiddenVisibility?: "after_published" | "hidden" | "after_due_date";
}

export interface AutograderZip {
  zip: Uint8Array;
  /** Paths inside the zip, "/"-separated. */
  files: string[];
  /** Committed files left out because they hold solutions ("labs/<lab>/reference/...", mutants). */
  solutionsLeftOut: number;
  /** Files that differ from HEAD under the shipped folders (the zip has HEAD's version). */
  uncommitted: string[];
}

/** Top-level files the workspace needs to install and resolve its packages. */
const ROOT_FILES = new Set(["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", "tsconfig.base.json", ".npmrc"]);
/** Folders of a package that grading never reads. */
const PACKAGE_EXTRAS = new Set(["test", "bench", "fixtures", "data", "node_modules"]);
const SKIP = new Set(["node_modules", ".git", ".faultline", ".turbo", "dist", "coverage", "docs-site", ".mutation"]);

/** Whether a course file belongs in an autograder for these labs; "solution" when it must never. */
export function shipped(path: string, labs: readonly string[]): boolean | "solution" {
  const p = path.split("/");
  if (p.some((x) => SKIP.has(x) || x.startsWith(".submission-") || x.startsWith(".mutation-impl"))) return false;
  if (p.length === 1) return ROOT_FILES.has(path);
  const [top, pkg, dir] = p;
  if (top === "labs" && (dir === "reference" || dir === "mutants")) return "solution";
  if (top === "shared") return p.length === 2 || !PACKAGE_EXTRAS.has(dir!);
  if (top === "labs") return labs.includes(pkg!);
  if (top === "graders") return labs.includes(pkg!) && (p.length === 3 || !PACKAGE_EXTRAS.has(dir!));
  return false;
}

function walk(root: string, dir = root, out: string[] = []): string[] {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(d.name)) continue;
    const abs = join(dir, d.name);
    if (d.isDirectory()) walk(root, abs, out);
    else if (d.isFile()) out.push(relative(root, abs).split(sep).join("/"));
  }
  return out;
}

/** The course's files with their content and whether each is executable. */
function courseFiles(root: string): {
  files: Array<{ path: string; data: () => Uint8Array; executable: boolean }>;
  uncommitted: string[];
} {
  if (!isGitCheckout(root)) {
    return {
      files: walk(root).map((path) => ({
        path,
        data: () => readFileSync(join(root, path)),
        executable: (statSync(join(root, path)).mode & 0o111) !== 0,
      })),
      uncommitted: [],
    };
  }
  const committed = committedFiles(root).filter((f) => f.mode !== "120000");
  const blobs = readBlobs(
    root,
    committed.map((f) => f.sha),
  );
  return {
    files: committed.map((f) => ({ path: f.path, data: () => blobs.get(f.sha)!, executable: f.mode === "100755" })),
    uncommitted: uncommittedChanges(root),
  };
}

/** The pnpm version the course pins (packageManager "pnpm@x.y.z"). */
function pinnedPnpm(root: string): string {
  const pm =
    (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { packageManager?: string }).packageManager ?? "";
  const m = /^pnpm@(\d+\.\d+\.\d+)/.exec(pm);
  if (!m) throw new Error(`package.json has no "packageManager": "pnpm@x.y.z" to pin the pnpm the autograder installs`);
  return m[1]!;
}

/** The settings both scripts read (sourced by bash: plain KEY="value" lines). */
export function autograderEnv(root: string, o: AutograderOptions): string {
  return [
    "# Written by faultline course gradescope; read by setup.sh and run_autograder.",
    `FAULTLINE_LABS="${o.labs.join(" ")}"`,
    `NODE_MAJOR="${o.nodeMajor ?? 22}"`,
    `PNPM_VERSION="${pinnedPnpm(root)}"`,
    `HIDDEN_VISIBILITY="${o.hiddenVisibility ?? "after_published"}"`,
    "",
  ].join("\n");
}

const UNIX = 3;
const mode = (executable: boolean) => ((executable ? 0o100755 : 0o100644) << 16) >>> 0;

export function buildAutograderZip(root: string, o: AutograderOptions): AutograderZip {
  const { files, uncommitted } = courseFiles(root);
  const entries: Zippable = {};
  const names: string[] = [];
  let solutionsLeftOut = 0;
  const add = (path: string, data: Uint8Array, executable: boolean) => {
    entries[path] = [data, { os: UNIX, attrs: mode(executable), mtime: new Date("2000-01-01T00:00:00Z") }];
    names.push(path);
  };
  for (const f of files) {
    const verdict = shipped(f.path, o.labs);
    if (verdict === "solution") solutionsLeftOut++;
    if (verdict === true) add(f.path, f.data(), f.executable);
  }
  for (const script of ["setup.sh", "run_autograder"]) add(script, readFileSync(new URL(script, TEMPLATES)), true);
  add("autograder.env", new TextEncoder().encode(autograderEnv(root, o)), false);
  return {
    zip: zipSync(entries, { level: 9 }),
    files: names.sort(),
    solutionsLeftOut,
    uncommitted: uncommitted.filter((f) => shipped(f, o.labs) === true),
  };
}
