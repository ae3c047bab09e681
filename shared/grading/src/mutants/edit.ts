/**
 * Writing a mutant the way one writes any bug: edit a copy of the reference, then keep the
 * difference as the mutant's patch. `startEdit` makes labs/<lab>/.mutant-<name>.edit/ (the
 * reference, with the mutant's patch applied when it has one), `saveEdit` writes
 * mutants/<name>/<name>.patch from it and removes the copy.
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { unifiedDiff } from "./diff.ts";
import { mutantFiles, mutantPatchPath, sourceTree } from "./stage.ts";

/** The copy of the reference a mutant is edited in. */
export function editDir(labRoot: string, name: string): string {
  return join(labRoot, `.mutant-${name}.edit`);
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Make the copy to edit and return its folder. An existing mutant's patch is applied to it; a
 * new name starts from the reference as it is. An existing copy is kept (edits in progress).
 */
export function startEdit(labRoot: string, name: string): { dir: string; fresh: boolean; existing: boolean } {
  if (!NAME.test(name))
    throw new Error(`a mutant name is lower-case words joined by "-" (like no-sync-before-reply), not "${name}"`);
  const dir = editDir(labRoot, name);
  const existing = existsSync(mutantPatchPath(labRoot, name));
  if (existsSync(dir)) return { dir, fresh: false, existing };
  if (existing) {
    for (const [path, text] of mutantFiles(labRoot, name)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  } else
    cpSync(join(labRoot, "reference"), dir, {
      recursive: true,
      filter: (src) => !basename(src).startsWith(".") && basename(src) !== "node_modules",
    });
  return { dir, fresh: true, existing };
}

/**
 * Write the mutant's patch from its edited copy (removed afterwards unless `keep`). A new mutant
 * also gets a mutant.json to fill in. Returns the patch's path and its changed line count.
 */
export function saveEdit(
  labRoot: string,
  name: string,
  keep = false,
): { patch: string; changed: number; metaWritten: boolean } {
  const dir = editDir(labRoot, name);
  if (!existsSync(dir))
    throw new Error(
      `no copy of ${basename(labRoot)}/${name} is being edited (start one with: pnpm faultline mutant edit ${basename(labRoot)} ${name})`,
    );
  const reference = sourceTree(join(labRoot, "reference"));
  const edited = sourceTree(dir);
  const parts: string[] = [];
  for (const [path, text] of edited) parts.push(unifiedDiff(path, reference.get(path) ?? null, text));
  const missing = [...reference.keys()].filter((p) => !edited.has(p));
  if (missing.length > 0)
    throw new Error(
      `${dir} lacks ${missing.join(", ")}: a mutant changes the reference's files, it does not delete them`,
    );
  const patch = parts.join("");
  if (patch === "") throw new Error(`${dir} is the reference unchanged: put the bug in first`);
  const patchPath = mutantPatchPath(labRoot, name);
  mkdirSync(dirname(patchPath), { recursive: true });
  writeFileSync(patchPath, patch);
  const meta = join(dirname(patchPath), "mutant.json");
  const metaWritten = !existsSync(meta);
  if (metaWritten) writeFileSync(meta, `${JSON.stringify({ bug: "", targets: [] }, null, 2)}\n`);
  if (!keep) rmSync(dir, { recursive: true, force: true });
  const changed = patch.split("\n").filter((l) => /^[-+](?![-+]{2} )/.test(l)).length;
  return { patch: patchPath, changed, metaWritten };
}
