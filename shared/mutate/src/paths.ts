/**
 * Where a mutation run of one lab keeps its files. Stryker runs from the course root, so its
 * options take these relative to it.
 */
import { join, relative } from "node:path";
import { courseRoot, labDir } from "@faultline/grading";

export interface MutationPaths {
  /** The course root (Stryker's working directory). */
  root: string;
  lab: string;
  /** labs/<lab>/reference: the files Stryker mutates, in place. */
  reference: string;
  /** labs/<lab>/.mutation: the incremental file and the grader fingerprint (git-ignored). */
  state: string;
  incrementalFile: string;
  /** Hash of everything the verdicts depend on besides the mutated files (see fingerprint.ts). */
  fingerprintFile: string;
  /** One line per graded mutant of the current run: id, file, verdict. */
  verdictLog: string;
  /** A pristine copy of reference/, to undo an interrupted in-place run. */
  backup: string;
  /**
   * labs/<lab>/.mutation-impl-<n>: each copy of the instrumented reference that is graded, with the
   * active mutant switched on. A sibling of src/, so the reference's `../src/` imports resolve.
   */
  activeImpl: string;
  /** .faultline/mutation/<lab>: the HTML and JSON reports. */
  reports: string;
  html: string;
  json: string;
  /** .faultline/mutate.lock: one mutation run per checkout. */
  lock: string;
  /** Stryker's temporary folder (its in-place backups). */
  tempDir: string;
}

export function mutationPaths(lab: string, root = courseRoot()): MutationPaths {
  const labRoot = labDir(lab);
  const state = join(labRoot, ".mutation");
  const reports = join(root, ".faultline", "mutation", lab);
  return {
    root,
    lab,
    reference: join(labRoot, "reference"),
    state,
    incrementalFile: join(state, "stryker-incremental.json"),
    fingerprintFile: join(state, "grader-fingerprint.txt"),
    verdictLog: join(state, "verdicts.tsv"),
    backup: join(state, "reference-backup"),
    activeImpl: join(labRoot, ".mutation-impl"),
    reports,
    html: join(reports, "index.html"),
    json: join(reports, "mutation.json"),
    lock: join(root, ".faultline", "mutate.lock"),
    tempDir: join(root, ".faultline", "stryker-tmp"),
  };
}

/** A path as Stryker's options take it: relative to the course root, with forward slashes. */
export function fromRoot(paths: MutationPaths, p: string): string {
  return relative(paths.root, p).split("\\").join("/");
}
