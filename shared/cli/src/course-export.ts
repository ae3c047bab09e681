/**
 * A learner copy of the course: every committed file of the checkout except the near-solutions
 * (labs/<lab>/reference, labs/<lab>/mutants), hidden tests (scenarios marked `hidden: true`
 * are cut out of the grader sources; graders/<lab>/hidden/ is left out) and the instructor's
 * checkpoints (handbook/checkpoints/instructor); the handbook's drills that run a mutant are
 * rewritten to grade the learner's code (learner-drills.ts). A marker file at its root tells the
 * harness it is a learner copy (course checks that need the reference are skipped there). In a
 * git checkout the files are read from HEAD, not from the working tree: an instructor's solution
 * in progress in labs/<lab>/src or scratch notes must not reach learners by accident, and a
 * checkout with uncommitted changes under labs/<lab>/src is refused unless told otherwise.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { createRequire } from "node:module";
import type ts from "typescript";
import { LEARNER_COPY_MARKER } from "@faultline/grading";
import {
  committedFiles,
  isGitCheckout,
  readBlobs,
  uncommittedChanges,
  untrackedFiles,
  writeCommitted,
  type CommittedFile,
} from "./committed.ts";
import { rewriteDrills } from "./learner-drills.ts";

/** TypeScript is loaded only when needed: it costs ~75 MiB, in every worker thread that imports this module. */
const typescript = (): typeof ts => createRequire(import.meta.url)("typescript") as typeof ts;

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
  /** Tracked files with uncommitted changes: their committed version was exported. */
  uncommitted: string[];
  /** Handbook drill commands that ran a mutant, rewritten to grade the learner's code. */
  drills: number;
}

export interface ExportOptions {
  /** Copy untracked, not ignored files of a git checkout too (default: committed files only). */
  includeUntracked?: boolean;
  /** Export HEAD even though tracked files under labs/<lab>/src have uncommitted changes. */
  allowDirty?: boolean;
}

/** Uncommitted changes under labs/<lab>/src: the export would silently ship something else. */
export class DirtyStubsError extends Error {
  constructor(readonly files: string[]) {
    super(
      `${files.length} file(s) under labs/*/src differ from the last commit: ${files.slice(0, 5).join(", ")}${files.length > 5 ? ", …" : ""}\n` +
        "the export ships committed files only (the stubs as committed, not this work); commit or stash the changes, or pass --allow-dirty to export the committed files anyway",
    );
    this.name = "DirtyStubsError";
  }
}

const SKIP_DIRS = new Set(["node_modules", ".git", ".faultline", ".turbo", "dist", "coverage", "docs-site"]);

/** One file to export: where it lives in the course and how to read it. */
interface SourceFile {
  path: string;
  read(): Buffer;
  /** Write it as is (keeps a committed file's mode or symlink). */
  copy(to: string): void;
}

function walk(root: string, dir: string, out: string[], exclude: string | undefined): void {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, d.name);
    if (exclude && (abs === exclude || abs.startsWith(exclude + sep))) continue;
    if (d.isDirectory()) {
      if (!SKIP_DIRS.has(d.name)) walk(root, abs, out, exclude);
    } else if (d.isFile()) out.push(relative(root, abs).split(sep).join("/"));
  }
}

const skipped = (f: string) => f.split("/").some((p) => SKIP_DIRS.has(p));

function workingFile(root: string, path: string): SourceFile {
  const from = join(root, path);
  return { path, read: () => readFileSync(from), copy: (to) => copyFileSync(from, to) };
}

function committedFile(f: CommittedFile, blobs: Map<string, Buffer>): SourceFile {
  const content = () => blobs.get(f.sha)!;
  return { path: f.path, read: content, copy: (to) => writeCommitted(f, content(), to) };
}

/**
 * The files to export. In a git checkout: HEAD's files, plus (with includeUntracked) the
 * untracked, not ignored ones from the working tree; elsewhere every file of the tree.
 */
function courseSource(
  root: string,
  target: string,
  opts: ExportOptions,
): { files: SourceFile[]; untracked: string[]; uncommitted: string[] } {
  const inTarget = (f: string) => resolve(root, f) === target || resolve(root, f).startsWith(target + sep);
  if (!isGitCheckout(root)) {
    const files: string[] = [];
    walk(root, root, files, target);
    return { files: files.sort().map((f) => workingFile(root, f)), untracked: [], uncommitted: [] };
  }
  const uncommitted = uncommittedChanges(root).filter((f) => !inTarget(f));
  const dirtyStubs = uncommitted.filter((f) => /^labs\/[^/]+\/src\//.test(f));
  if (dirtyStubs.length > 0 && !opts.allowDirty) throw new DirtyStubsError(dirtyStubs);
  const committed = committedFiles(root).filter((f) => !skipped(f.path));
  const blobs = readBlobs(
    root,
    committed.map((f) => f.sha),
  );
  const files = committed.map((f) => committedFile(f, blobs));
  const untracked = untrackedFiles(root).filter(
    (f) => !skipped(f) && !inTarget(f) && existsSync(join(root, f)) && statSync(join(root, f)).isFile(),
  );
  if (opts.includeUntracked) files.push(...untracked.map((f) => workingFile(root, f)));
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), untracked, uncommitted };
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
export function stripHiddenScenarios(
  source: string,
  fileName = "grader.ts",
): { text: string; removed: string[]; left: string[] } {
  const ts = typescript();
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const cuts: Array<{ start: number; end: number; name: string }> = [];
  const left: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isObjectLiteralExpression(node)) {
      const props = node.properties;
      const hidden = props.find(
        (p) =>
          propName(p) === "hidden" && ts.isPropertyAssignment(p) && p.initializer.kind === ts.SyntaxKind.TrueKeyword,
      );
      const nameProp = props.find((p) => propName(p) === "name");
      const isScenario = hidden && nameProp && props.some((p) => propName(p) === "run");
      if (isScenario) {
        const name =
          nameProp && ts.isPropertyAssignment(nameProp) && ts.isStringLiteralLike(nameProp.initializer)
            ? nameProp.initializer.text
            : "(unnamed)";
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

/** The bug of each mutant, from the mutant.json files among the course's files. */
function mutantBugs(files: readonly SourceFile[]): (lab: string, mutant: string) => string | undefined {
  const bugs = new Map<string, string>();
  for (const f of files) {
    const m = /^labs\/([^/]+)\/mutants\/([^/]+)\/mutant\.json$/.exec(f.path);
    if (!m) continue;
    try {
      const bug = (JSON.parse(f.read().toString("utf8")) as { bug?: unknown }).bug;
      if (typeof bug === "string") bugs.set(`${m[1]}/${m[2]}`, bug);
    } catch {
      // a broken mutant.json is course check's to report
    }
  }
  return (lab, mutant) => bugs.get(`${lab}/${mutant}`);
}

export function exportCourse(root: string, dest: string, opts: ExportOptions = {}): ExportSummary {
  const target = resolve(dest);
  if (existsSync(target) && readdirSync(target).length > 0)
    throw new Error(`${dest} exists and is not empty; export into a new folder`);
  if (resolve(root) === target) throw new Error("cannot export a course onto itself");
  const { files, untracked, uncommitted } = courseSource(root, target, opts);
  const bugOf = mutantBugs(files);
  const summary: ExportSummary = {
    files: 0,
    removed: { reference: [], mutants: [], hidden: [], instructor: [] },
    hiddenScenarios: [],
    hiddenLeft: [],
    untracked,
    uncommitted,
    drills: 0,
  };
  mkdirSync(target, { recursive: true });
  for (const file of files) {
    const f = file.path;
    const cat = category(f);
    if (cat) {
      summary.removed[cat].push(f);
      continue;
    }
    const to = join(target, f);
    mkdirSync(dirname(to), { recursive: true });
    summary.files++;
    const p = f.split("/");
    if (p[0] === "graders" && /\.(ts|mts)$/.test(f)) {
      const src = file.read().toString("utf8");
      if (/\bhidden\s*:\s*true\b/.test(src)) {
        const { text, removed, left } = stripHiddenScenarios(src, f);
        summary.hiddenScenarios.push(...removed.map((n) => `${f}: ${n}`));
        summary.hiddenLeft.push(...left.map((n) => `${f}: ${n}`));
        writeFileSync(to, text);
        continue;
      }
    }
    if (p[0] === "labs" && p.length === 3 && p[2] === "package.json") {
      writeFileSync(to, learnerPackageJson(file.read().toString("utf8")));
      continue;
    }
    if (f.endsWith(".md")) {
      const md = file.read().toString("utf8");
      if (md.includes("mutant:")) {
        const { text, rewritten } = rewriteDrills(md, bugOf);
        if (rewritten > 0) {
          summary.drills += rewritten;
          writeFileSync(to, text);
          continue;
        }
      }
    }
    file.copy(to);
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
