/**
 * `faultline course export <dir>`, `course check [lab...]`, `course gradescope <lab...|--all>`
 * (with `course autograde`, what its run_autograder runs) and `course classroom <dir>`.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { courseRoot, displayPath, gradingImpl, isLearnerCopy, knownLabs, WorkerPool } from "@faultline/grading";
import { extractCommitted, isGitCheckout, uncommittedChanges, untrackedFiles } from "../committed.ts";
import { intFlag, paint, parseCommand, say, UsageError, type Io } from "../io.ts";
import { labList, loadLab, requireLab } from "../labs.ts";
import { type ExportSummary, exportCourse } from "../course-export.ts";
import { checkLab } from "../course-check.ts";
import { buildAutograderZip } from "../autograder-zip.ts";
import { autograde } from "../autograde.ts";
import { classroomSteps, classroomWorkflow, WORKFLOW_PATH } from "../classroom.ts";

const EXPORT_USAGE = "faultline course export <dir> [--include-untracked] [--allow-dirty]";
const GRADESCOPE_USAGE =
  "faultline course gradescope <lab...|--all> --out autograder.zip [--node 20|22|24] [--hidden-visibility V]";
const AUTOGRADE_USAGE =
  "faultline course autograde <lab...> --submission DIR --results FILE [--seeds N] [--hidden-visibility V]";
const CLASSROOM_USAGE =
  "faultline course classroom <dir> [--lab L]... [--node 20|22|24] [--include-untracked] [--allow-dirty]";
const USAGE = `${EXPORT_USAGE} | faultline course check [lab...] [--fast] [--jobs N] | ${GRADESCOPE_USAGE} | ${AUTOGRADE_USAGE} | ${CLASSROOM_USAGE}`;
const VISIBILITIES = ["after_published", "hidden", "after_due_date"] as const;
type Visibility = (typeof VISIBILITIES)[number];

export async function courseCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "export") return exportCmd(rest, io);
  if (sub === "check") return checkCmd(rest, io);
  if (sub === "gradescope") return gradescopeCmd(rest, io);
  if (sub === "autograde") return autogradeCmd(rest, io);
  if (sub === "classroom") return classroomCmd(rest, io);
  throw new UsageError(
    sub
      ? `course: unknown subcommand "${sub}"; subcommands: export, check, gradescope, autograde, classroom\nusage: ${USAGE}`
      : `usage: ${USAGE}`,
  );
}

function visibility(command: string, v: string | undefined): Visibility | undefined {
  if (v === undefined) return undefined;
  if (!(VISIBILITIES as readonly string[]).includes(v))
    throw new UsageError(`${command}: --hidden-visibility must be ${VISIBILITIES.join(", ")}, got "${v}"`);
  return v as Visibility;
}

/** Labs named on the command line (each must have a grader), or every lab with --all. */
async function chosenLabs(
  command: string,
  positionals: string[],
  all: boolean | undefined,
  usage: string,
): Promise<string[]> {
  if (all && positionals.length > 0) throw new UsageError(`${command}: give lab names or --all, not both`);
  const labs = all ? knownLabs() : [...new Set(positionals)];
  if (labs.length === 0) throw new UsageError(`${command}: which lab?\n${labList()}\nusage: ${usage}`);
  for (const lab of labs) requireLab(lab);
  return labs;
}

async function gradescopeCmd(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseCommand(
    "course gradescope",
    argv,
    {
      all: { type: "boolean" },
      out: { type: "string", short: "o" },
      node: { type: "string" },
      "hidden-visibility": { type: "string" },
    },
    GRADESCOPE_USAGE,
  );
  const labs = await chosenLabs("course gradescope", positionals, v.all, GRADESCOPE_USAGE);
  if (!v.out)
    throw new UsageError(
      `course gradescope: where should the zip go? --out autograder.zip\nusage: ${GRADESCOPE_USAGE}`,
    );
  const nodeMajor = v.node === undefined ? 22 : Number(v.node);
  if (![20, 22, 24].includes(nodeMajor))
    throw new UsageError(
      `course gradescope: --node must be 20, 22 or 24 (a Node line the course supports), got "${v.node}"`,
    );
  const hiddenVisibility = visibility("course gradescope", v["hidden-visibility"]);
  const root = courseRoot();
  if (isLearnerCopy(root))
    throw new UsageError(
      "course gradescope: this is a learner copy (its graders have no hidden tests); build the autograder from the instructor's checkout",
    );
  const built = buildAutograderZip(root, { labs, nodeMajor, ...(hiddenVisibility ? { hiddenVisibility } : {}) });
  const dest = resolve(io.cwd, v.out);
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(dest, built.zip);
  say(
    io.out,
    `wrote a Gradescope autograder for ${labs.join(", ")} to ${displayPath(dest, io.cwd)} (${built.files.length} files, ${Math.round(built.zip.length / 1024)} KiB)`,
  );
  say(
    io.out,
    `  left out: reference solutions and mutants (${built.solutionsLeftOut} files), the handbook, tests and benchmarks; hidden tests are in (they count)`,
  );
  if (built.uncommitted.length > 0)
    say(
      io.err,
      `  note: the zip has the committed version of ${built.uncommitted.length} changed file(s): ${built.uncommitted.slice(0, 5).join(", ")}${built.uncommitted.length > 5 ? ", …" : ""}`,
    );
  say(
    io.out,
    `  setup.sh installs Node ${nodeMajor} (when the image has no Node >= 20.19), pnpm and the locked dependencies; run_autograder grades /autograder/submission`,
  );
  say(
    io.out,
    labs.length === 1
      ? `  learners upload the files they edited in labs/${labs[0]}/src (or that folder, or their repository)`
      : "  learners upload their repository (labs/<lab>/src of each lab); a lab not in the upload scores 0 as not started",
  );
  say(
    io.out,
    "next: Gradescope > Programming Assignment > Configure Autograder > upload the zip (see handbook/instructors.md)",
  );
  return 0;
}

/** A learner copy (as course export writes it) with a GitHub Classroom autograding workflow. */
async function classroomCmd(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseCommand(
    "course classroom",
    argv,
    {
      lab: { type: "string", multiple: true },
      node: { type: "string" },
      "include-untracked": { type: "boolean" },
      "allow-dirty": { type: "boolean" },
    },
    CLASSROOM_USAGE,
  );
  const dir = positionals[0];
  if (!dir || positionals.length > 1)
    throw new UsageError(`course classroom: give one target folder: ${CLASSROOM_USAGE}`);
  const labs = await chosenLabs("course classroom", v.lab ?? [], v.lab === undefined, CLASSROOM_USAGE);
  const nodeMajor = v.node === undefined ? 22 : Number(v.node);
  if (![20, 22, 24].includes(nodeMajor))
    throw new UsageError(`course classroom: --node must be 20, 22 or 24, got "${v.node}"`);
  const root = courseRoot();
  if (isLearnerCopy(root))
    throw new UsageError(
      "course classroom: this checkout is already a learner copy; run it in the instructor's checkout",
    );
  const graders = [];
  for (const lab of labs) graders.push((await loadLab(lab)).grader);
  const dest = resolve(io.cwd, dir);
  let s: ExportSummary;
  try {
    s = exportCourse(root, dest, {
      includeUntracked: v["include-untracked"] === true,
      allowDirty: v["allow-dirty"] === true,
    });
  } catch (err) {
    throw new UsageError(`course classroom: ${(err as Error).message}`);
  }
  const steps = classroomSteps(graders);
  const workflow = join(dest, WORKFLOW_PATH);
  mkdirSync(dirname(workflow), { recursive: true });
  writeFileSync(workflow, classroomWorkflow(steps, { pnpm: `${pinnedPnpm(dest)}`, nodeMajor }));
  const points = steps.reduce((a, x) => a + x.maxScore, 0);
  say(
    io.out,
    `wrote a GitHub Classroom template to ${displayPath(dest, io.cwd)} (${s.files} files of the learner copy: no reference solutions, mutants or hidden tests)`,
  );
  say(
    io.out,
    `  ${WORKFLOW_PATH}: ${steps.length} graded steps (${labs.join(", ")}), ${points} points; bonus tests are left out (Classroom has no extra credit)`,
  );
  say(
    io.out,
    `next: cd ${displayPath(dest, io.cwd)} && git init && git add -A && git commit -m "course" and push it to a template repository; see handbook/instructors.md`,
  );
  return 0;
}

async function autogradeCmd(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseCommand(
    "course autograde",
    argv,
    {
      submission: { type: "string" },
      results: { type: "string" },
      seeds: { type: "string" },
      "hidden-visibility": { type: "string" },
    },
    AUTOGRADE_USAGE,
  );
  const labs = await chosenLabs("course autograde", positionals, false, AUTOGRADE_USAGE);
  if (!v.submission || !v.results)
    throw new UsageError(`course autograde: give --submission DIR and --results FILE\nusage: ${AUTOGRADE_USAGE}`);
  const count = intFlag("seeds", v.seeds, 1);
  const hiddenVisibility = visibility("course autograde", v["hidden-visibility"]);
  const { passed } = await autograde(
    {
      labs,
      submission: resolve(io.cwd, v.submission),
      results: resolve(io.cwd, v.results),
      ...(count !== undefined ? { seeds: Array.from({ length: count }, (_, i) => i + 1) } : {}),
      ...(hiddenVisibility ? { hiddenVisibility } : {}),
    },
    io,
  );
  return passed ? 0 : 1;
}

async function exportCmd(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(
    "course export",
    argv,
    { "include-untracked": { type: "boolean" }, "allow-dirty": { type: "boolean" } },
    EXPORT_USAGE,
  );
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError(`course export: give one target folder: ${EXPORT_USAGE}`);
  const includeUntracked = values["include-untracked"] === true;
  const allowDirty = values["allow-dirty"] === true;
  const root = courseRoot();
  if (isLearnerCopy(root)) throw new UsageError("course export: this checkout is already a learner copy");
  const dest = resolve(io.cwd, dir);
  let s: ExportSummary;
  try {
    s = exportCourse(root, dest, { includeUntracked, allowDirty });
  } catch (err) {
    throw new UsageError(`course export: ${(err as Error).message}`);
  }
  const labsOf = (files: string[]) => [...new Set(files.map((f) => f.split("/")[1]))].join(", ") || "none";
  say(io.out, `wrote a learner copy to ${displayPath(dest, io.cwd)} (${s.files} files)`);
  say(
    io.out,
    `  left out: reference solutions (${s.removed.reference.length} files; labs: ${labsOf(s.removed.reference)})`,
  );
  say(
    io.out,
    `            mutants (${s.removed.mutants.length} files), hidden test files (${s.removed.hidden.length}), instructor checkpoints (${s.removed.instructor.length})`,
  );
  say(
    io.out,
    `            hidden tests cut from grader sources: ${s.hiddenScenarios.length}${s.hiddenScenarios.length ? ` (${s.hiddenScenarios.map((h) => h.split(": ").slice(1).join(": ")).join(", ")})` : ""}`,
  );
  if (s.untracked.length > 0) {
    const list = `${s.untracked.slice(0, 5).join(", ")}${s.untracked.length > 5 ? `, … (${s.untracked.length - 5} more)` : ""}`;
    say(
      io.err,
      includeUntracked
        ? `  note: copied ${s.untracked.length} untracked file(s): ${list}`
        : `  note: left out ${s.untracked.length} untracked file(s) (commit them, or pass --include-untracked): ${list}`,
    );
  }
  if (s.drills > 0)
    say(io.out, `  handbook drills that run a mutant now grade the learner's code: ${s.drills} command(s)`);
  if (s.uncommitted.length > 0) {
    const list = `${s.uncommitted.slice(0, 5).join(", ")}${s.uncommitted.length > 5 ? `, … (${s.uncommitted.length - 5} more)` : ""}`;
    say(
      io.err,
      `  note: exported the committed version of ${s.uncommitted.length} file(s) with uncommitted changes: ${list}`,
    );
  }
  if (s.hiddenLeft.length > 0)
    say(
      io.err,
      `  note: ${s.hiddenLeft.length} hidden test(s) are not array elements and stay in the source (they are skipped when graded): ${s.hiddenLeft.join(", ")}`,
    );
  const pnpm = `npx --yes ${pinnedPnpm(dest)}`;
  say(
    io.out,
    `next: cd ${displayPath(dest, io.cwd)} && ${pnpm} install && ${pnpm} -s grade --all   (every test starts "not started", score 0)`,
  );
  return 0;
}

/** The course's pinned pnpm ("pnpm@10.34.8", from packageManager), run through npx so no global pnpm is needed. */
function pinnedPnpm(root: string): string {
  try {
    const pm = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { packageManager?: unknown })
      .packageManager;
    if (typeof pm === "string" && /^pnpm@[\w.-]+$/.test(pm.split("+")[0]!)) return pm.split("+")[0]!;
  } catch {
    // no package.json: the newest pnpm
  }
  return "pnpm";
}

/**
 * The committed stubs of a lab when its src/ has uncommitted changes or new files (a learner's
 * work is not a stub): HEAD's labs/<lab>/src extracted under `dir` and staged like a
 * submission. Undefined when src/ is as committed, or outside git (the working tree is all there is).
 */
function committedStubs(root: string, lab: string): { impl: string; srcDir: string } | undefined {
  let changed: string[];
  try {
    if (!isGitCheckout(root)) return undefined;
    changed = [...uncommittedChanges(root), ...untrackedFiles(root)].filter((f) => f.startsWith(`labs/${lab}/src/`));
  } catch {
    return undefined;
  }
  if (changed.length === 0) return undefined;
  // Outside the course, so that it is staged next to labs/<lab>/src where its imports resolve.
  const srcDir = join(mkdtempSync(join(tmpdir(), `faultline-stubs-${lab}-`)), "src");
  extractCommitted(root, `labs/${lab}/src`, srcDir);
  return { impl: gradingImpl(lab, srcDir), srcDir };
}

async function checkCmd(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(
    "course check",
    argv,
    { fast: { type: "boolean" }, jobs: { type: "string", short: "j" } },
    "faultline course check [lab...] [--fast] [--jobs N]",
  );
  const labs = positionals.length > 0 ? positionals : knownLabs();
  if (labs.length === 0) {
    say(io.out, "no lab has a grader yet: nothing to check");
    return 0;
  }
  if (isLearnerCopy())
    throw new UsageError("course check: this is a learner copy (no reference solutions or mutants to check)");
  const loaded = [];
  for (const lab of labs) loaded.push(await loadLab(lab));
  const root = courseRoot();
  // Its own folder: the learner's traces and progress stay as they are.
  const own = join(root, ".faultline", "course-check");
  const pool = new WorkerPool(intFlag("jobs", values.jobs, 1));
  const progress = new CheckProgress(io.err);
  let failures = 0;
  try {
    for (const [i, { grader, module }] of loaded.entries()) {
      say(
        io.out,
        paint(io.color, "1", `${grader.lab} — ${grader.title}`) +
          (loaded.length > 1 ? `  (lab ${i + 1}/${loaded.length})` : ""),
      );
      const traceDir = join(own, "traces", grader.lab);
      rmSync(traceDir, { recursive: true, force: true });
      const stubs = committedStubs(root, grader.lab);
      const failuresBefore = failures;
      if (stubs) say(io.out, `  (labs/${grader.lab}/src differs from the last commit: checking the committed stubs)`);
      try {
        await checkLab(grader, {
          pool,
          graderModule: module,
          determinism: !values.fast,
          traceDir,
          ...(stubs ? { stubImpl: stubs.impl, stubDir: stubs.srcDir } : {}),
          onProgress: (phase, item, done, total) => progress.show(phase, item, done, total),
          onLine: (l) => {
            progress.clear();
            if (!l.ok) failures++;
            // Reports name the committed stubs by the path a learner knows, not the staged copy's.
            const detail = stubs
              ? [stubs.srcDir, stubs.impl, relative(root, stubs.srcDir), relative(root, stubs.impl)].reduce(
                  (d, from) => d?.replaceAll(from, `labs/${grader.lab}/src`),
                  l.detail,
                )
              : l.detail;
            say(io.out, `  ${l.ok ? paint(io.color, "32", "✓") : paint(io.color, "31", "✗")} ${l.text}`);
            if (!l.ok && detail)
              say(
                io.out,
                detail
                  .split("\n")
                  .map((x) => `      ${x}`)
                  .join("\n"),
              );
          },
        });
      } finally {
        progress.clear();
        if (stubs) for (const d of [stubs.impl, dirname(stubs.srcDir)]) rmSync(d, { recursive: true, force: true });
      }
      if (failures > failuresBefore && existsSync(traceDir) && readdirSync(traceDir).length > 0)
        say(
          io.out,
          `  traces written by this check (failing seeds, the mutants' included): ${displayPath(traceDir, io.cwd)}`,
        );
    }
  } finally {
    await pool.close();
  }
  say(
    io.out,
    failures === 0
      ? paint(io.color, "32", `\ncourse check passed (${loaded.length} lab${loaded.length === 1 ? "" : "s"})`)
      : paint(io.color, "31", `\ncourse check failed: ${failures} problem${failures === 1 ? "" : "s"}`),
  );
  return failures === 0 ? 0 : 1;
}

/**
 * Where a course check is: on a terminal one line redrawn per test or mutant; in a log, one
 * line when each phase starts.
 */
class CheckProgress {
  private shown = false;
  constructor(private readonly err: Io["err"]) {}

  show(phase: string, item: string, done: number, total: number): void {
    if (this.err.isTTY) {
      const text = `  … ${phase} ${done + 1}/${total}: ${item}`;
      const width = Math.max(40, (this.err.columns || 100) - 1);
      this.err.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      this.shown = true;
    } else if (done === 0) say(this.err, `  … ${phase} (${total} ${phase === "the mutants" ? "mutants" : "tests"})`);
  }

  clear(): void {
    if (this.shown) this.err.write("\r\x1b[2K");
    this.shown = false;
  }
}
