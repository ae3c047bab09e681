/**
 * `faultline mutant edit|save|check|refresh`: a mutant is a patch against the lab's reference. `edit`
 * makes a copy of the reference (with the mutant's bug in it when the mutant exists) to edit in
 * any editor, `save` turns the edited copy into mutants/<name>/<name>.patch, `check` applies
 * every patch to the current reference, `refresh` replays the patches that no longer apply.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  courseRoot,
  displayPath,
  isLearnerCopy,
  knownLabs,
  labDir,
  listMutants,
  mutantFiles,
  PatchError,
  saveEdit,
  startEdit,
} from "@faultline/grading";
import { isGitCheckout } from "../committed.ts";
import { refreshMutant } from "../mutant-refresh.ts";
import { paint, parseCommand, say, UsageError, type Io } from "../io.ts";
import { labList } from "../labs.ts";

const USAGE =
  "faultline mutant edit <lab> <name> | mutant save <lab> <name> [--keep] | mutant check [lab...] | mutant refresh <lab> [name...]";

const HELP = `usage: ${USAGE}

A mutant is the reference with one bug, kept as a unified diff against labs/<lab>/reference/.
  edit <lab> <name>   copy the reference to labs/<lab>/.mutant-<name>.edit/ with the mutant's
                      patch applied (a new name starts from the reference as it is); edit it there
  save <lab> <name>   write labs/<lab>/mutants/<name>/<name>.patch from the edited copy and remove
                      the copy (--keep keeps it); a new mutant gets a mutant.json to fill in
                      ({"bug": "<what is wrong, in a sentence>", "targets": ["<test it fails>"]})
  check [lab...]      every mutant's patch applies to the current reference (all labs by default)
  refresh <lab> [name...]  carry the patches that no longer apply over the change of the reference
                      (git's three-way merge from the reference of the patch's last commit); a
                      conflict is left marked in the mutant's edit copy: resolve it, then save
After changing a reference, \`mutant check\` names the patches that no longer apply; \`refresh\`
replays them, or redo a bug by hand with edit and save. \`pnpm faultline course check <lab>\`
then proves each mutant is still caught.`;

function requireCourseLab(lab: string | undefined): string {
  if (!lab) throw new UsageError(`which lab?\nusage: ${USAGE}`);
  if (!existsSync(join(labDir(lab), "reference")))
    throw new UsageError(`lab "${lab}" has no reference/ to write mutants against\n${labList()}`);
  return labDir(lab);
}

export async function mutantCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    say(sub === undefined ? io.err : io.out, HELP);
    return sub === undefined ? 2 : 0;
  }
  if (isLearnerCopy()) throw new UsageError("mutant: a learner copy has no reference solutions, so it has no mutants");
  const { values, positionals } = parseCommand(`mutant ${sub}`, rest, { keep: { type: "boolean" } }, USAGE);
  if (sub === "edit" || sub === "save") {
    const [lab, name, ...extra] = positionals;
    const root = requireCourseLab(lab);
    if (!name || extra.length > 0)
      throw new UsageError(`mutant ${sub}: give a lab and one mutant name\nusage: ${USAGE}`);
    try {
      if (sub === "edit") {
        const { dir, fresh, existing } = startEdit(root, name);
        const what = existing
          ? `the reference with the bug of ${lab}/${name}`
          : `the reference of ${lab}, for the new mutant ${name}`;
        say(
          io.out,
          fresh
            ? `copied ${what} to ${displayPath(dir, io.cwd)}`
            : `${displayPath(dir, io.cwd)} is already being edited`,
        );
        say(io.out, `edit it there, then: pnpm faultline mutant save ${lab} ${name}`);
        return 0;
      }
      const r = saveEdit(root, name, values.keep === true);
      say(io.out, `wrote ${displayPath(r.patch, io.cwd)} (${r.changed} changed lines)`);
      if (r.metaWritten)
        say(
          io.out,
          `fill in ${displayPath(join(r.patch, "..", "mutant.json"), io.cwd)}: the bug in a sentence and the tests that must fail`,
        );
      say(io.out, `next: pnpm faultline course check ${lab}   (proves the mutant is caught by its targets)`);
      return 0;
    } catch (err) {
      say(io.err, `faultline: mutant ${sub}: ${(err as Error).message}`);
      return 1;
    }
  }
  if (sub === "check") {
    const labs =
      positionals.length > 0 ? positionals : knownLabs().filter((l) => existsSync(join(labDir(l), "reference")));
    let broken = 0;
    let total = 0;
    for (const lab of labs) {
      const root = requireCourseLab(lab);
      for (const m of listMutants(lab, root)) {
        total++;
        try {
          mutantFiles(root, m.name);
        } catch (err) {
          if (!(err instanceof PatchError)) throw err;
          broken++;
          say(io.out, `${paint(io.color, "31", "✗")} ${err.message}`);
        }
      }
    }
    say(
      io.out,
      broken === 0
        ? `${total} mutant patches apply to their references (${labs.join(", ")})`
        : `${broken} of ${total} mutant patches do not apply`,
    );
    return broken === 0 ? 0 : 1;
  }
  if (sub === "refresh") {
    const [lab, ...names] = positionals;
    const labRoot = requireCourseLab(lab);
    const root = courseRoot();
    if (!isGitCheckout(root))
      throw new UsageError(
        "mutant refresh: the course is not a git checkout, so there is no earlier reference to replay the patches from",
      );
    const chosen = names.length > 0 ? names : listMutants(lab as string, labRoot).map((m) => m.name);
    let open = 0;
    for (const name of chosen) {
      try {
        const r = refreshMutant(root, labRoot, name);
        if (r.result === "refreshed") say(io.out, `refreshed ${lab}/${name}`);
        if (r.result === "conflict") {
          open++;
          say(
            io.out,
            `${paint(io.color, "31", "✗")} ${lab}/${name}: the bug and the change of the reference touch the same lines; resolve the marked conflicts in ${r.files?.join(", ")}, then: pnpm faultline mutant save ${lab} ${name}`,
          );
        }
      } catch (err) {
        open++;
        say(io.err, `faultline: mutant refresh ${lab}/${name}: ${(err as Error).message}`);
      }
    }
    if (open === 0) say(io.out, `every patch of ${lab} applies; next: pnpm faultline course check ${lab}`);
    return open === 0 ? 0 : 1;
  }
  throw new UsageError(`mutant: unknown subcommand "${sub}"; subcommands: edit, save, check, refresh\nusage: ${USAGE}`);
}
