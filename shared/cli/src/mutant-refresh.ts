/**
 * Carrying mutants over a change of the reference: a patch whose context no longer matches is
 * replayed with git's three-way merge. The base is the reference as it was when the patch was
 * last committed; the mutant is that base with the patch applied; the merge brings the mutant's
 * change onto today's reference. A clean merge is saved as the new patch; a conflict is left in
 * the mutant's edit copy (labs/<lab>/.mutant-<name>.edit/) with git's markers, to resolve by hand.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { applyFilePatch, editDir, mutantFiles, parsePatch, PatchError, saveEdit, sourceTree } from "@faultline/grading";

export type RefreshOutcome = { name: string; result: "applies" | "refreshed" | "conflict"; files?: string[] };

function git(root: string, args: string[]): string {
  return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** `git merge-file -p mine base theirs`: the merged text, and whether it has conflicts. */
function mergeFile(mine: string, base: string, theirs: string): { text: string; conflict: boolean } {
  const dir = mkdtempSync(join(tmpdir(), "faultline-refresh-"));
  try {
    for (const [n, t] of [
      ["mine", mine],
      ["base", base],
      ["theirs", theirs],
    ] as const)
      writeFileSync(join(dir, n), t);
    try {
      return {
        text: execFileSync(
          "git",
          [
            "merge-file",
            "-p",
            "-L",
            "mutant",
            "-L",
            "reference then",
            "-L",
            "reference now",
            join(dir, "mine"),
            join(dir, "base"),
            join(dir, "theirs"),
          ],
          { encoding: "utf8" },
        ),
        conflict: false,
      };
    } catch (err) {
      // Exit status = number of conflicts; the merged text with markers is on stdout.
      const e = err as { status?: number; stdout?: string };
      if (typeof e.status === "number" && e.status > 0 && typeof e.stdout === "string")
        return { text: e.stdout, conflict: true };
      throw err;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Refresh one mutant of the lab at `labRoot` (inside the git checkout `root`). A mutant whose
 * patch applies is left alone.
 */
export function refreshMutant(root: string, labRoot: string, name: string): RefreshOutcome {
  try {
    mutantFiles(labRoot, name);
    return { name, result: "applies" };
  } catch (err) {
    if (!(err instanceof PatchError)) throw err;
  }
  const patchPath = join(labRoot, "mutants", name, `${name}.patch`);
  const relPatch = relative(root, patchPath);
  const commit = git(root, ["log", "-1", "--format=%H", "--", relPatch]).trim();
  if (commit === "")
    throw new Error(`${relPatch} was never committed: there is no earlier reference to replay it from`);
  // The patch as committed, against the reference as committed with it.
  const patches = parsePatch(git(root, ["show", `${commit}:${relPatch}`]));
  const relRef = relative(root, join(labRoot, "reference"));
  const current = sourceTree(join(labRoot, "reference"));
  const edit = editDir(labRoot, name);
  rmSync(edit, { recursive: true, force: true });
  for (const [path, text] of current) {
    mkdirSync(dirname(join(edit, path)), { recursive: true });
    writeFileSync(join(edit, path), text);
  }
  const conflicts: string[] = [];
  for (const p of patches) {
    const base = p.oldPath === null ? "" : git(root, ["show", `${commit}:${relRef}/${p.newPath}`]);
    let mine: string;
    try {
      mine = applyFilePatch(base, p);
    } catch (err) {
      throw new Error(
        `${relPatch} does not apply to the reference of its own commit ${commit.slice(0, 10)} either: ${(err as Error).message}`,
      );
    }
    const merged = mergeFile(mine, base, current.get(p.newPath) ?? "");
    writeFileSync(join(edit, p.newPath), merged.text);
    if (merged.conflict) conflicts.push(`${relative(root, edit)}/${p.newPath}`);
  }
  if (conflicts.length > 0) return { name, result: "conflict", files: conflicts };
  saveEdit(labRoot, name);
  return { name, result: "refreshed" };
}
