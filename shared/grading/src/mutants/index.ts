/** Mutants as patches: reading and applying unified diffs, writing them, staging a mutant to grade. */
export { applyFilePatch, parsePatch, PatchError, type FilePatch, type Hunk } from "./patch.ts";
export { unifiedDiff } from "./diff.ts";
export { mutantFiles, mutantPatchPath, sourceTree, stagedMutantDir, stageMutant } from "./stage.ts";
export { editDir, saveEdit, startEdit } from "./edit.ts";
