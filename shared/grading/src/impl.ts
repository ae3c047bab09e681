/**
 * The implementation switch: which module a grader tests. `stub` is the learner's own code in
 * labs/<lab>/src, `reference` the solution, `mutant:<name>` a known-buggy variant (the reference
 * with the patch in mutants/<name>/ applied), anything else a directory (or file) with the lab's
 * exports, e.g. a student's submission.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { needsStaging, stageSubmission } from "./stage.ts";
import { stageMutant } from "./mutants/stage.ts";

/**
 * The repository root (this file lives in shared/grading/src). Bundled copies of this file, run
 * by grading processes, are told it through FAULTLINE_RUNTIME_ROOT.
 */
export const REPO_ROOT = process.env.FAULTLINE_RUNTIME_ROOT
  ? resolve(process.env.FAULTLINE_RUNTIME_ROOT)
  : resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The course being graded: the folder holding labs/, graders/ and .faultline/. It is this
 * repository unless FAULTLINE_ROOT names another checkout (an exported learner copy, a test
 * fixture); worker threads inherit it through the environment.
 */
export function courseRoot(): string {
  const env = process.env.FAULTLINE_ROOT;
  return env ? resolve(env) : REPO_ROOT;
}

/** Marker file written by `faultline course export` at the root of a learner copy. */
export const LEARNER_COPY_MARKER = ".faultline-learner-copy.json";

/** True when the course root is a learner copy (no references, mutants or hidden tests). */
export function isLearnerCopy(root = courseRoot()): boolean {
  // A grading process may not look at the course folder: it is told.
  const told = process.env.FAULTLINE_LEARNER_COPY;
  if (told !== undefined && root === courseRoot()) return told === "1";
  return existsSync(join(root, LEARNER_COPY_MARKER));
}

export function labDir(lab: string): string {
  return join(courseRoot(), "labs", lab);
}

export function graderDir(lab: string): string {
  return join(courseRoot(), "graders", lab);
}

/** The grader module of a lab (graders/<lab>/src/index.ts). */
export function graderModulePath(lab: string): string {
  return join(graderDir(lab), "src", "index.ts");
}

/** Labs that have a grader, in a stable order. */
export function knownLabs(): string[] {
  const dir = join(courseRoot(), "graders");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, "src", "index.ts")))
    .sort();
}

const INDEX_NAMES = ["index.ts", "index.mts", "index.js", "index.mjs"];

export interface MutantInfo {
  name: string;
  /** What is wrong, in a sentence. */
  bug: string;
  /** Names of the scenarios that must fail against this mutant. */
  targets: string[];
  /**
   * The bug only shows as non-determinism (e.g. module-level state surviving between runs):
   * course checks grade it with the determinism double-run on.
   */
  determinism?: boolean;
  dir: string;
  /** The bug as a unified diff against reference/ (mutants/<name>/<name>.patch). */
  patch: string;
}

export function listMutants(lab: string, root = labDir(lab)): MutantInfo[] {
  const dir = join(root, "mutants");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => statSync(join(dir, d)).isDirectory())
    .sort()
    .map((name) => {
      const metaPath = join(dir, name, "mutant.json");
      if (!existsSync(metaPath))
        throw new Error(`mutant ${lab}/${name} has no mutant.json ({"bug": "...", "targets": ["<scenario name>"]})`);
      const meta = JSON.parse(readFileSync(metaPath, "utf8")) as {
        bug?: string;
        targets?: string[];
        determinism?: boolean;
      };
      if (!meta.bug || !Array.isArray(meta.targets) || meta.targets.length === 0)
        throw new Error(`${metaPath}: needs "bug" and a non-empty "targets" list`);
      return {
        name,
        bug: meta.bug,
        targets: meta.targets,
        ...(meta.determinism ? { determinism: true } : {}),
        dir: join(dir, name),
        patch: join(dir, name, `${name}.patch`),
      };
    });
}

/** Resolve an --impl value to the module file to import. Throws a clear error listing choices. */
export function resolveImpl(
  lab: string,
  spec: string = process.env.FAULTLINE_IMPL ?? "stub",
  root = labDir(lab),
  cwd = process.cwd(),
): string {
  const base = root;
  if (!existsSync(base)) throw new Error(`unknown lab "${lab}"; labs: ${knownLabs().join(", ") || "(none)"}`);
  let target: string;
  if (spec === "stub" || spec === "src") target = join(base, "src");
  else if (spec === "reference") target = join(base, "reference");
  else if (spec.startsWith("mutant:")) {
    const name = spec.slice("mutant:".length);
    if (!existsSync(join(base, "mutants", name))) {
      if (isLearnerCopy())
        throw new Error(
          `--impl mutant:${name}: a learner copy has no mutants (each is the reference solution with one bug, so course export leaves them out); grade your own code on the same test: leave out --impl`,
        );
      const names = listMutants(lab, root).map((m) => m.name);
      throw new Error(`unknown mutant "${name}" of ${lab}; mutants: ${names.join(", ") || "(none)"}`);
    }
    // The reference with the mutant's patch applied, in a copy beside reference/.
    target = stageMutant(base, name);
  } else target = isAbsolute(spec) ? spec : resolve(cwd, spec);
  if (!existsSync(target))
    throw new Error(
      `--impl ${spec}: ${target} does not exist (use stub, reference, mutant:<name> or a directory with the lab's index.ts)`,
    );
  if (statSync(target).isFile()) return target;
  for (const n of INDEX_NAMES) if (existsSync(join(target, n))) return join(target, n);
  throw new Error(
    `--impl ${spec}: ${target} has no index.ts (it must export the lab's API like labs/${lab}/src/index.ts)`,
  );
}

/**
 * The implementation to grade for an --impl value: a directory outside the course is staged
 * first (the lab's given files, then the submission's files over them) and the staged folder
 * is graded; everything else is graded where it is.
 */
export function gradingImpl(lab: string, spec: string, root = labDir(lab), cwd = process.cwd()): string {
  if (spec === "stub" || spec === "src" || spec === "reference" || spec.startsWith("mutant:")) return spec;
  const target = isAbsolute(spec) ? spec : resolve(cwd, spec);
  if (!existsSync(target) || !statSync(target).isDirectory() || !needsStaging(target, courseRoot())) return spec;
  return stageSubmission(root, target);
}

/** Import the resolved implementation module. */
export async function loadImpl<L>(lab: string, spec?: string, root?: string): Promise<L> {
  const file = resolveImpl(lab, spec, root);
  return (await import(pathToFileURL(file).href)) as L;
}

/** Folders an implementation's imports may reach: its own, plus what a lab gives every learner. */
export function allowedRoots(
  lab: string,
  spec: string,
  root = labDir(lab),
  entry = resolveImpl(lab, spec, root),
): string[] {
  const roots = new Set([dirname(entry), join(root, "src")]);
  // The reference and the mutants (variants of it) are trusted code written by instructors.
  if (spec === "reference" || spec.startsWith("mutant:")) roots.add(join(root, "reference"));
  return [...roots];
}
