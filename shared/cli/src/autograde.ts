/**
 * Grading one Gradescope submission (what `run_autograder` runs): find each lab's files in the
 * submission, grade them with the isolated runtime, and write one results.json, whatever goes
 * wrong: a lab whose files are not there is graded as the given stubs (0, "not started"), a
 * submission that cannot be staged scores 0 with the reason, and a broken grader scores 0 with
 * a message for the instructor instead of leaving Gradescope without results.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  shellQuote,
  toGradescope,
  type FailureInfo,
  type LabGrader,
  type LabReport,
  type ScenarioResult,
} from "@faultline/grading";
import { say, UsageError, type Io } from "./io.ts";
import { loadLab } from "./labs.ts";
import { runGradePlan } from "./commands/grade.ts";

export interface AutogradePlan {
  labs: string[];
  submission: string;
  results: string;
  seeds?: number[];
  hiddenVisibility?: "after_published" | "hidden" | "after_due_date";
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/**
 * Where a lab's files are in a submission: `labs/<lab>/src` of an uploaded repository (at the
 * top, or one folder down as in a GitHub download); for a one-lab autograder also the
 * submission itself (the edited files, or a `src/` folder). Undefined when it holds nothing.
 */
export function submittedFiles(submission: string, lab: string, onlyLab: boolean): string | undefined {
  const inRepo = (base: string) => join(base, "labs", lab, "src");
  if (isDir(inRepo(submission))) return inRepo(submission);
  const below = readdirSync(submission, { withFileTypes: true }).filter(
    (d) => d.isDirectory() && !d.name.startsWith("."),
  );
  for (const d of below) if (isDir(inRepo(join(submission, d.name)))) return inRepo(join(submission, d.name));
  if (!onlyLab) return undefined;
  const hasSource = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((d) =>
      d.isDirectory()
        ? !d.name.startsWith(".") && d.name !== "node_modules" && hasSource(join(dir, d.name))
        : /\.(ts|mts|js|mjs)$/.test(d.name),
    );
  return hasSource(submission) ? submission : undefined;
}

/** A lab that could not be graded: every test 0 with the same reason (status "error"). */
function notGraded(grader: LabGrader, impl: string, message: string): LabReport {
  const results: ScenarioResult[] = grader.scenarios.map((s) => {
    const seed = {
      seed: 1,
      status: "fail" as const,
      failure: { invariant: "not graded", message },
      traceHash: "",
      virtualMs: 0,
      wallMs: 0,
      events: 0,
      metrics: [],
      logs: [],
      traceFiles: [],
    };
    return {
      lab: grader.lab,
      part: s.part,
      name: s.name,
      points: s.points,
      earned: 0,
      status: "error",
      hidden: s.hidden ?? false,
      bonus: s.bonus ?? false,
      seeds: [seed],
      firstFailure: seed,
      hint: s.hints[0] ?? "",
      wallMs: 0,
      virtualMs: 0,
    };
  });
  return { lab: grader.lab, title: grader.title, parts: { ...grader.parts }, impl, results, wallMs: 0 };
}

/**
 * A report as the learner reads it on Gradescope: replay commands they can type in their own
 * checkout (no --impl of the autograder's staged copy), and no trace paths inside the
 * autograder's container (the replay command writes the traces on their machine).
 */
function asLearnerSeesIt(rep: LabReport): LabReport {
  const results = rep.results.map((r) => {
    const staged = r.impl && r.impl !== "stub" ? ` --impl ${shellQuote(r.impl)}` : "";
    const replay = r.replay && staged ? r.replay.replace(staged, "") : r.replay;
    const firstFailure = r.firstFailure
      ? {
          ...r.firstFailure,
          traceFiles: [],
          ...(r.firstFailure.failure ? { failure: submissionPaths(r.firstFailure.failure, r.lab) } : {}),
        }
      : undefined;
    const nondeterminism =
      r.nondeterminism?.replay && staged
        ? { ...r.nondeterminism, replay: r.nondeterminism.replay.replace(staged, "") }
        : r.nondeterminism;
    return {
      ...r,
      ...(replay ? { replay } : {}),
      ...(firstFailure ? { firstFailure } : {}),
      ...(nondeterminism ? { nondeterminism } : {}),
    };
  });
  return { ...rep, results };
}

/** File names in messages and stacks as the learner knows them ("vector.ts:12:3"), not the staged copy's. */
function submissionPaths(f: FailureInfo, lab: string): FailureInfo {
  const staged = new RegExp(`(?:[^\\s'"(]*/)?labs/${lab}/\\.submission-[0-9a-f]+/`, "g");
  const clean = (text: string) => text.replace(staged, "");
  return { ...f, message: clean(f.message), ...(f.stack ? { stack: clean(f.stack) } : {}) };
}

export async function autograde(plan: AutogradePlan, io: Io): Promise<{ reports: LabReport[]; passed: boolean }> {
  if (!isDir(plan.submission))
    throw new UsageError(`course autograde: the submission folder ${plan.submission} does not exist`);
  const reports: LabReport[] = [];
  let passed = true;
  for (const lab of plan.labs) {
    const { grader } = await loadLab(lab);
    const files = submittedFiles(plan.submission, lab, plan.labs.length === 1);
    if (!files) say(io.out, `${lab}: no files of this lab in the submission; grading the lab's given stubs`);
    else say(io.out, `${lab}: grading the files in ${files}`);
    try {
      const outcome = await runGradePlan(
        {
          labs: [lab],
          impl: files ?? "stub",
          explore: false,
          trace: false,
          determinism: false,
          quiet: false,
          ...(plan.seeds ? { seeds: plan.seeds } : {}),
          allSeeds: true,
        },
        io,
        { record: false },
      );
      reports.push(...outcome.reports.map(asLearnerSeesIt));
      passed &&= outcome.passed;
    } catch (err) {
      // A submission that cannot be staged (no index.ts, too big) is the learner's to fix.
      const why =
        err instanceof UsageError
          ? `your submission could not be graded: ${err.message}`
          : `the autograder failed while grading ${lab} (not about your code: tell your instructor): ${(err as Error).message}`;
      say(io.err, why);
      reports.push(notGraded(grader, files ?? "stub", why));
      passed = false;
    }
  }
  mkdirSync(dirname(plan.results), { recursive: true });
  writeFileSync(
    plan.results,
    toGradescope(reports, {
      cwd: plan.submission,
      ...(plan.hiddenVisibility ? { hiddenVisibility: plan.hiddenVisibility } : {}),
    }),
  );
  return { reports, passed };
}
