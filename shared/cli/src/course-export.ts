/**
 * A learner copy of the course: every file of the checkout except the near-solutions
 * (labs/<lab>/reference, labs/<lab>/mutants), hidden tests (scenarios marked `hidden: true`
 * are cut out of the grader sources; graders/<lab>/hidden/ is left out) and the instructor's
 * checkpoints (handbook/checkpoints/instructor). A marker file at its root tells the harness it
 * is a learner copy (course checks that need the reference are skipped there). In a git checkout
 * only committed-to-be files (tracked) are exported: an instructor's scratch notes or an
 * uncommitted solution must not reach learners by accident.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { createRequire } from "node:module";
import type ts from "typescript";

/** TypeScript is loaded only when needed: it costs ~75 MiB, in every worker thread that imports this module. */
const typescript = (): typeof ts => createRequire(import.meta.url)("typescript") as typeof ts;
import { LEARNER_COPY_MARKER } from "@faultline/grading";

export interface ExportSummary {
  files: number;
  /** Paths (relative, "/"-separated) left out, grouped by reason. */
  removed: { reference: string[]; mutants: string[]; hidden: string[]; instructor: string[] };
  /** Hidden scenarios cut out of grader sources ("<file>: <name>"). */
  hiddenScenarios: string[];
  /** Hidden scenarios that could not be cut out of the source (filtered when the grader loads). */
  hiddenLeft: string[];
  /** Untracked files of a git checkout that were left out (or copied, with includeUntracked). */
  untracked: string[];
}

export interface ExportOptions {
  /** Copy untracked, not ignored files of a git checkout too (default: tracked files only). */
  includeUntracked?: boolean;
}

const SKIP_DIRS = new Set(["node_modules", ".git", ".faultline", ".turbo", "dist", "coverage", "docs-site"]);

function walk(root: string, dir: string, out: string[], exclude: string | undefined): void {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, d.name);
    if (exclude && (abs === exclude || abs.startsWith(exclude + sep))) continue;
    if (d.isDirectory()) {
      if (!SKIP_DIRS.has(d.name)) walk(root, abs, out, exclude);
    } else if (d.isFile()) out.push(relative(root, abs).split(sep).join("/"));
  }
}

/**
 * The files of the checkout. In a git repository: the tracked files, and apart the untracked
 * ones that are not ignored; elsewhere every file of the tree (all "tracked").
 */
export function courseFiles(root: string, exclude?: string): { tracked: string[]; untracked: string[] } {
  const git = (args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 256 * 1024 * 1024 });
  const keep = (list: string) =>
    list
      .split("\0")
      .filter(Boolean)
      .filter((f) => existsSync(join(root, f)) && statSync(join(root, f)).isFile())
      .filter((f) => !exclude || !resolve(root, f).startsWith(exclude + sep))
      .filter((f) => !f.split("/").some((p) => SKIP_DIRS.has(p)))
      .sort();
  try {
    const top = git(["rev-parse", "--show-toplevel"]).trim();
    if (resolve(top) === resolve(root)) return { tracked: keep(git(["ls-files", "-z", "--cached"])), untracked: keep(git(["ls-files", "-z", "--others", "--exclude-standard"])) };
  } catch {
    // not a git checkout: walk the tree
  }
  const files: string[] = [];
  walk(root, root, files, exclude);
  return { tracked: files.sort(), untracked: [] };
}

function category(f: string): keyof ExportSummary["removed"] | undefined {
  const p = f.split("/");
  if (p[0] === "labs" && p.length > 3 && p[2] === "reference") return "reference";
  if (p[0] === "labs" && p.length > 3 && p[2] === "mutants") return "mutants";
  if (p[0] === "graders" && p.length > 3 && p[2] === "hidden") return "hidden";
  if (p[0] === "handbook" && p[1] === "checkpoints" && p[2] === "instructor") return "instructor";
  if (f === LEARNER_COPY_MARKER) return "instructor";
  return undefined;
}

function propName(p: ts.ObjectLiteralElementLike): string | undefined {
  const ts = typescript();
  const n = p.name;
  if (!n) return undefined;
  if (ts.isIdentifier(n) || ts.isStringLiteral(n)) return n.text;
  return undefined;
}

/** Cut scenario literals marked `hidden: true` out of a grader source. */
export function stripHiddenScenarios(source: string, fileName = "grader.ts"): { text: string; removed: string[]; left: string[] } {
  const ts = typescript();
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const cuts: Array<{ start: number; end: number; name: string }> = [];
  const left: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isObjectLiteralExpression(node)) {
      const props = node.properties;
      const hidden = props.find((p) => propName(p) === "hidden" && ts.isPropertyAssignment(p) && p.initializer.kind === ts.SyntaxKind.TrueKeyword);
      const nameProp = props.find((p) => propName(p) === "name");
      const isScenario = hidden && nameProp && props.some((p) => propName(p) === "run");
      if (isScenario) {
        const name = nameProp && ts.isPropertyAssignment(nameProp) && ts.isStringLiteralLike(nameProp.initializer) ? nameProp.initializer.text : "(unnamed)";
        const parent = node.parent;
        if (parent && ts.isArrayLiteralExpression(parent)) {
          const elems = parent.elements;
          const i = elems.indexOf(node);
          // remove the element with its comma (the following one, or the preceding one for the last)
          let start = node.getFullStart();
          let end = node.getEnd();
          const next = elems[i + 1];
          if (next) end = next.getFullStart();
          else {
            const after = source.slice(end).match(/^\s*,/);
            if (after) end += after[0].length;
            else if (i > 0) start = (elems[i - 1] as ts.Node).getEnd();
          }
          // keep the line structure: drop whole lines when the element starts a line
          cuts.push({ start, end, name });
        } else left.push(name);
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let text = source;
  for (const c of [...cuts].sort((a, b) => b.start - a.start)) text = text.slice(0, c.start) + text.slice(c.end);
  return { text, removed: cuts.map((c) => c.name), left };
}

/** Remove "exports" entries of a lab package that point into reference/ or mutants/. */
function learnerPackageJson(text: string): string {
  try {
    const pkg = JSON.parse(text) as { exports?: Record<string, unknown> | string };
    if (pkg.exports && typeof pkg.exports === "object") {
      for (const [k, v] of Object.entries(pkg.exports)) {
        if (typeof v === "string" && /(^|\/)(reference|mutants)\//.test(v)) delete pkg.exports[k];
      }
    }
    return `${JSON.stringify(pkg, null, 2)}\n`;
  } catch {
    return text;
  }
}

export function exportCourse(root: string, dest: string, opts: ExportOptions = {}): ExportSummary {
  const target = resolve(dest);
  if (existsSync(target) && readdirSync(target).length > 0) throw new Error(`${dest} exists and is not empty; export into a new folder`);
  if (resolve(root) === target) throw new Error("cannot export a course onto itself");
  const { tracked, untracked } = courseFiles(root, target);
  const files = opts.includeUntracked ? [...tracked, ...untracked].sort() : tracked;
  const summary: ExportSummary = { files: 0, removed: { reference: [], mutants: [], hidden: [], instructor: [] }, hiddenScenarios: [], hiddenLeft: [], untracked };
  mkdirSync(target, { recursive: true });
  for (const f of files) {
    const cat = category(f);
    if (cat) {
      summary.removed[cat].push(f);
      continue;
    }
    const from = join(root, f);
    const to = join(target, f);
    mkdirSync(dirname(to), { recursive: true });
    const p = f.split("/");
    if (p[0] === "graders" && /\.(ts|mts)$/.test(f)) {
      const src = readFileSync(from, "utf8");
      if (/\bhidden\s*:\s*true\b/.test(src)) {
        const { text, removed, left } = stripHiddenScenarios(src, f);
        summary.hiddenScenarios.push(...removed.map((n) => `${f}: ${n}`));
        summary.hiddenLeft.push(...left.map((n) => `${f}: ${n}`));
        writeFileSync(to, text);
        summary.files++;
        continue;
      }
    }
    if (p[0] === "labs" && p.length === 3 && p[2] === "package.json") {
      writeFileSync(to, learnerPackageJson(readFileSync(from, "utf8")));
      summary.files++;
      continue;
    }
    copyFileSync(from, to);
    summary.files++;
  }
  const marker = {
    note: "A learner copy of this course, written by `faultline course export`: reference solutions, mutants, hidden tests and instructor checkpoints are not included.",
    removed: {
      reference: summary.removed.reference.length,
      mutants: summary.removed.mutants.length,
      hiddenFiles: summary.removed.hidden.length,
      hiddenScenarios: summary.hiddenScenarios.length,
      instructor: summary.removed.instructor.length,
    },
  };
  writeFileSync(join(target, LEARNER_COPY_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  summary.files++;
  return summary;
}
