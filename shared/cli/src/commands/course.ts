/** `faultline course export <dir>` and `faultline course check [lab...]`. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { courseRoot, displayPath, isLearnerCopy, knownLabs, WorkerPool } from "@faultline/grading";
import { intFlag, paint, parseCommand, say, UsageError, type Io } from "../io.ts";
import { loadLab } from "../labs.ts";
import { exportCourse } from "../course-export.ts";
import { checkLab } from "../course-check.ts";

const EXPORT_USAGE = "faultline course export <dir> [--include-untracked] [--allow-dirty]";
const USAGE = `${EXPORT_USAGE} | faultline course check [lab...] [--fast] [--jobs N]`;

export async function courseCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "export") return exportCmd(rest, io);
  if (sub === "check") return checkCmd(rest, io);
  throw new UsageError(sub ? `course: unknown subcommand "${sub}"; subcommands: export, check\nusage: ${USAGE}` : `usage: ${USAGE}`);
}

async function exportCmd(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand("course export", argv, { "include-untracked": { type: "boolean" }, "allow-dirty": { type: "boolean" } }, EXPORT_USAGE);
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError(`course export: give one target folder: ${EXPORT_USAGE}`);
  const includeUntracked = values["include-untracked"] === true;
  const allowDirty = values["allow-dirty"] === true;
  const root = courseRoot();
  if (isLearnerCopy(root)) throw new UsageError("course export: this checkout is already a learner copy");
  const dest = resolve(io.cwd, dir);
  let s;
  try {
    s = exportCourse(root, dest, { includeUntracked, allowDirty });
  } catch (err) {
    throw new UsageError(`course export: ${(err as Error).message}`);
  }
  const labsOf = (files: string[]) => [...new Set(files.map((f) => f.split("/")[1]))].join(", ") || "none";
  say(io.out, `wrote a learner copy to ${displayPath(dest, io.cwd)} (${s.files} files)`);
  say(io.out, `  left out: reference solutions (${s.removed.reference.length} files; labs: ${labsOf(s.removed.reference)})`);
  say(io.out, `            mutants (${s.removed.mutants.length} files), hidden test files (${s.removed.hidden.length}), instructor checkpoints (${s.removed.instructor.length})`);
  say(io.out, `            hidden tests cut from grader sources: ${s.hiddenScenarios.length}${s.hiddenScenarios.length ? ` (${s.hiddenScenarios.map((h) => h.split(": ").slice(1).join(": ")).join(", ")})` : ""}`);
  if (s.untracked.length > 0) {
    const list = `${s.untracked.slice(0, 5).join(", ")}${s.untracked.length > 5 ? `, … (${s.untracked.length - 5} more)` : ""}`;
    say(io.err, includeUntracked ? `  note: copied ${s.untracked.length} untracked file(s): ${list}` : `  note: left out ${s.untracked.length} untracked file(s) (commit them, or pass --include-untracked): ${list}`);
  }
  if (s.drills > 0) say(io.out, `  handbook drills that run a mutant now grade the learner's code: ${s.drills} command(s)`);
  if (s.uncommitted.length > 0) {
    const list = `${s.uncommitted.slice(0, 5).join(", ")}${s.uncommitted.length > 5 ? `, … (${s.uncommitted.length - 5} more)` : ""}`;
    say(io.err, `  note: exported the committed version of ${s.uncommitted.length} file(s) with uncommitted changes: ${list}`);
  }
  if (s.hiddenLeft.length > 0) say(io.err, `  note: ${s.hiddenLeft.length} hidden test(s) are not array elements and stay in the source (they are skipped when graded): ${s.hiddenLeft.join(", ")}`);
  const pnpm = `npx ${pinnedPnpm(dest)}`;
  say(io.out, `next: cd ${displayPath(dest, io.cwd)} && ${pnpm} install && ${pnpm} grade --all   (every test starts "not started", score 0)`);
  return 0;
}

/** The course's pinned pnpm ("pnpm@10.34.8", from packageManager), run through npx so no global pnpm is needed. */
function pinnedPnpm(root: string): string {
  try {
    const pm = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { packageManager?: unknown }).packageManager;
    if (typeof pm === "string" && /^pnpm@[\w.-]+$/.test(pm.split("+")[0]!)) return pm.split("+")[0]!;
  } catch {
    // no package.json: the newest pnpm
  }
  return "pnpm";
}

async function checkCmd(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand("course check", argv, { fast: { type: "boolean" }, jobs: { type: "string", short: "j" } }, "faultline course check [lab...] [--fast] [--jobs N]");
  const labs = positionals.length > 0 ? positionals : knownLabs();
  if (labs.length === 0) {
    say(io.out, "no lab has a grader yet: nothing to check");
    return 0;
  }
  if (isLearnerCopy()) throw new UsageError("course check: this is a learner copy (no reference solutions or mutants to check)");
  const loaded = [];
  for (const lab of labs) loaded.push(await loadLab(lab));
  const pool = new WorkerPool(intFlag("jobs", values.jobs, 1));
  let failures = 0;
  try {
    for (const { grader, module } of loaded) {
      say(io.out, paint(io.color, "1", `${grader.lab} — ${grader.title}`));
      await checkLab(grader, {
        pool,
        graderModule: module,
        determinism: !values.fast,
        onLine: (l) => {
          if (!l.ok) failures++;
          say(io.out, `  ${l.ok ? paint(io.color, "32", "✓") : paint(io.color, "31", "✗")} ${l.text}`);
          if (!l.ok && l.detail) say(io.out, l.detail.split("\n").map((x) => `      ${x}`).join("\n"));
        },
      });
    }
  } finally {
    await pool.close();
  }
  say(io.out, failures === 0 ? paint(io.color, "32", `\ncourse check passed (${loaded.length} lab${loaded.length === 1 ? "" : "s"})`) : paint(io.color, "31", `\ncourse check failed: ${failures} problem${failures === 1 ? "" : "s"}`));
  return failures === 0 ? 0 : 1;
}
