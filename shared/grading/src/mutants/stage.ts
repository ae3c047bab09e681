/**
 * A mutant is the reference with one bug: labs/<lab>/mutants/<name>/<name>.patch, a unified diff
 * against labs/<lab>/reference/. To grade it, the reference is copied to labs/<lab>/.mutant-<name>/
 * (a sibling of src/, so the reference's `../src/` imports resolve as they do from reference/)
 * and the patch applied to the copy. A copy made from the same reference and patch is reused.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { applyFilePatch, type FilePatch, parsePatch, PatchError } from "./patch.ts";

/** The file in a staged copy that records which reference and patch it was made from. */
const STAMP = ".staged-from";

/** The patch of mutant `name` of the lab at `labRoot`. */
export function mutantPatchPath(labRoot: string, name: string): string {
  return join(labRoot, "mutants", name, `${name}.patch`);
}

/** Where mutant `name` is staged for grading. */
export function stagedMutantDir(labRoot: string, name: string): string {
  return join(labRoot, `.mutant-${name}`);
}

/** The files of a folder (relative paths with "/"), without node_modules and dot-files. */
export function sourceTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name === "node_modules" || name.startsWith(".")) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p).split(sep).join("/"), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return files;
}

/**
 * The files of the mutant: the reference's files with the patch applied (those the patch does
 * not touch unchanged). A patch that does not apply is a PatchError naming the mutant and the hunk.
 */
export function mutantFiles(
  labRoot: string,
  name: string,
  reference = sourceTree(join(labRoot, "reference")),
): Map<string, string> {
  const label = `mutant ${basename(labRoot)}/${name}`;
  const patchPath = mutantPatchPath(labRoot, name);
  if (!existsSync(patchPath))
    throw new PatchError(
      `${label} has no ${name}.patch (a unified diff against reference/; write one with: pnpm faultline mutant edit ${basename(labRoot)} ${name})`,
    );
  const files = new Map(reference);
  let patches: FilePatch[];
  try {
    patches = parsePatch(readFileSync(patchPath, "utf8"));
  } catch (err) {
    throw new PatchError(`${label}: ${name}.patch cannot be read: ${(err as Error).message}`);
  }
  if (patches.length === 0)
    throw new PatchError(`${label}: ${name}.patch changes nothing (no "--- a/<file>" / "+++ b/<file>" sections)`);
  for (const p of patches) {
    if (p.oldPath !== null && p.oldPath !== p.newPath)
      throw new PatchError(
        `${label}: ${name}.patch renames ${p.oldPath} to ${p.newPath}; a mutant changes files in place`,
      );
    if (p.newPath.split("/").includes(".."))
      throw new PatchError(`${label}: ${name}.patch reaches outside reference/ (${p.newPath})`);
    const original = files.get(p.newPath);
    if (p.oldPath !== null && original === undefined)
      throw new PatchError(`${label}: ${name}.patch changes ${p.newPath}, which reference/ does not have`);
    if (p.oldPath === null && original !== undefined)
      throw new PatchError(`${label}: ${name}.patch creates ${p.newPath}, which reference/ already has`);
    try {
      files.set(p.newPath, applyFilePatch(original ?? "", p));
    } catch (err) {
      throw new PatchError(
        `${label} no longer applies to reference/: ${(err as Error).message} (reference/${p.newPath} changed since the patch was written; redo the bug with: pnpm faultline mutant edit ${basename(labRoot)} ${name})`,
      );
    }
  }
  return files;
}

function stampOf(reference: Map<string, string>, patch: string): string {
  const h = createHash("sha256").update(patch);
  for (const [path, text] of reference) h.update("\0").update(path).update("\0").update(text);
  return h.digest("hex");
}

/**
 * Stage mutant `name` of the lab at `labRoot` and return the staged folder. Only writes when
 * the reference or the patch changed since the last staging (a grading process, which may not
 * write, finds the copy its parent made).
 */
export function stageMutant(labRoot: string, name: string): string {
  const staged = stagedMutantDir(labRoot, name);
  const reference = sourceTree(join(labRoot, "reference"));
  const patchPath = mutantPatchPath(labRoot, name);
  const stamp = stampOf(reference, existsSync(patchPath) ? readFileSync(patchPath, "utf8") : "");
  const current = (): boolean => existsSync(join(staged, STAMP)) && readFileSync(join(staged, STAMP), "utf8") === stamp;
  if (current()) return staged;
  const files = mutantFiles(labRoot, name, reference);
  // Written beside the final folder and renamed into place, so a reader never sees half a copy.
  const tmp = `${staged}.tmp-${process.pid}-${Date.now()}`;
  try {
    for (const [path, text] of files) {
      mkdirSync(dirname(join(tmp, path)), { recursive: true });
      writeFileSync(join(tmp, path), text);
    }
    writeFileSync(join(tmp, STAMP), stamp);
    if (existsSync(staged) && !current()) rmSync(staged, { recursive: true, force: true });
    try {
      renameSync(tmp, staged);
    } catch (err) {
      // Another process staged the same mutant at the same time: its copy is as good as ours.
      if (!current()) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return staged;
}
