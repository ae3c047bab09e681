/**
 * `faultline grade [lab...|--all] [--part P] [--only NAME] [--seed S] [--seeds N] [--explore]
 *  [--impl I] [--trace] [--determinism] [--all-seeds] [--format F --out FILE]`
 *
 * Exit code: 0 when every graded test passed, 1 when any test failed or is not started yet,
 * 2 on a usage error (unknown lab, test, part, flag or impl), 3 when a grader itself is broken.
 */
import { randomInt } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  gradeLab,
  knownLabs,
  labReport,
  MACHINE_FORMATS,
  renderMachineFormat,
  requiredPassed,
  resolveImpl,
  gradingImpl,
  type LabGrader,
  TerminalReporter,
  traceDirFor,
  WorkerPool,
  displayPath,
  formatShard,
  parseShard,
  stopsAtFirstFailure,
  type Shard,
  type LabReport,
  type MachineFormat,
  type ScenarioResult,
} from "@faultline/grading";
import { intFlag, parseCommand, say, UsageError, type Io } from "../io.ts";
import { GraderLoadError, labList, loadLab, requirePart, requireTest } from "../labs.ts";
import { recordRun } from "../status.ts";
import { soakSeeds } from "./soak.ts";
import type { SearchEvent } from "@faultline/sim";

export const GRADE_USAGE =
  "faultline grade [lab...|--all] [--part P] [--only NAME] [--seed S] [--seeds N] [--explore] [--impl stub|reference|mutant:<name>|<dir>] [--trace] [--replay FILE] [--determinism] [--all-seeds] [--jobs N] [--shard k/n] [--seed-base S] [--format gradescope|junit|json --out FILE]";

const GRADE_FLAGS = {
  all: { type: "boolean" },
  part: { type: "string", multiple: true, short: "p" },
  only: { type: "string" },
  seed: { type: "string", multiple: true },
  seeds: { type: "string" },
  explore: { type: "boolean" },
  impl: { type: "string" },
  trace: { type: "boolean" },
  determinism: { type: "boolean" },
  "all-seeds": { type: "boolean" },
  jobs: { type: "string", short: "j" },
  shard: { type: "string" },
  "seed-base": { type: "string" },
  format: { type: "string" },
  replay: { type: "string" },
  out: { type: "string", short: "o" },
  "hidden-visibility": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;

export interface GradePlan {
  labs: string[];
  /** --all: a lab whose grader does not load is reported and skipped, the others are graded. */
  all?: boolean;
  parts?: string[];
  only?: string;
  seeds?: number[];
  explore: boolean;
  impl: string;
  trace: boolean;
  determinism: boolean;
  /** Run every seed of a failing test (a learner's run otherwise stops at its first failing seed). */
  allSeeds?: boolean;
  jobs?: number;
  /** Grade only this shard's (test, seed) pairs (`--shard k/n`, one machine of n). */
  shard?: Shard;
  /** The base --explore derived its seeds from (printed, so a run can be repeated). */
  seedBase?: number;
  format?: MachineFormat;
  out?: string;
  hiddenVisibility?: "after_published" | "hidden" | "after_due_date";
  quiet: boolean;
  /** --replay FILE: the events of a search test's saved counterexample, run instead of the search. */
  replay?: SearchEvent[];
}

const EXPLORE_DEFAULT = 20;

export function parseGrade(argv: string[], io: Io): GradePlan | "help" {
  const { values: v, positionals } = parseCommand("grade", argv, GRADE_FLAGS, GRADE_USAGE);
  if (v.help) return "help";
  const labs = v.all ? knownLabs() : positionals;
  if (v.all && positionals.length > 0) throw new UsageError(`grade: give lab names or --all, not both`);
  if (labs.length === 0) {
    if (v.all) throw new UsageError(`grade --all: ${labList()}`);
    throw new UsageError(`grade: which lab?\n${labList()}\nusage: ${GRADE_USAGE}`);
  }
  const parts = v.part
    ?.flatMap((p) => p.split(","))
    .map((p) => p.trim())
    .filter(Boolean);
  const explicit = v.seed
    ?.flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => intFlag("seed", s) as number);
  const count = intFlag("seeds", v.seeds, 1);
  if (explicit && (count !== undefined || v.explore))
    throw new UsageError("grade: --seed names exact seeds; it does not combine with --seeds or --explore");
  let shard: Shard | undefined;
  if (v.shard !== undefined) {
    const s = parseShard(v.shard);
    if ("error" in s) throw new UsageError(`grade: ${s.error}`);
    shard = s;
  }
  const seedBase = intFlag("seed-base", v["seed-base"], 1);
  if (seedBase !== undefined && !v.explore)
    throw new UsageError("grade: --seed-base derives the seeds of --explore; give --explore too");
  // Every machine of a sharded run must draw the same fresh seeds: from a base they share.
  if (v.explore && shard && seedBase === undefined)
    throw new UsageError(
      "grade: --explore --shard needs --seed-base S, the same on every machine, so that all shards split the same fresh seeds",
    );
  let seeds: number[] | undefined = explicit;
  const base = v.explore ? (seedBase ?? randomInt(1, 2 ** 31 - 1)) : undefined;
  if (base !== undefined) seeds = soakSeeds(base, count ?? EXPLORE_DEFAULT);
  else if (count !== undefined) seeds = Array.from({ length: count }, (_, i) => i + 1);
  let format: MachineFormat | undefined;
  if (v.format !== undefined) {
    if (!(MACHINE_FORMATS as readonly string[]).includes(v.format))
      throw new UsageError(`grade: unknown --format "${v.format}"; formats: ${MACHINE_FORMATS.join(", ")}`);
    format = v.format as MachineFormat;
  }
  if (v.out !== undefined && !format) throw new UsageError("grade: --out needs --format gradescope|junit|json");
  const hv = v["hidden-visibility"];
  if (hv !== undefined && !["after_published", "hidden", "after_due_date"].includes(hv))
    throw new UsageError(`grade: --hidden-visibility must be after_published, hidden or after_due_date, got "${hv}"`);
  const jobs = intFlag("jobs", v.jobs, 1);
  const replay = v.replay !== undefined ? readReplay(resolve(io.cwd, v.replay), v.only, labs) : undefined;
  return {
    labs,
    ...(v.all ? { all: true } : {}),
    ...(parts && parts.length > 0 ? { parts } : {}),
    ...(v.only !== undefined ? { only: v.only } : {}),
    ...(seeds ? { seeds } : {}),
    explore: v.explore ?? false,
    impl: absoluteImpl(v.impl ?? process.env.FAULTLINE_IMPL ?? "stub", io.cwd),
    trace: v.trace ?? false,
    determinism: v.determinism ?? Boolean(process.env.CI),
    ...(v["all-seeds"] ? { allSeeds: true } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(shard ? { shard } : {}),
    ...(base !== undefined ? { seedBase: base } : {}),
    ...(format ? { format } : {}),
    ...(v.out !== undefined ? { out: resolve(io.cwd, v.out) } : {}),
    ...(hv ? { hiddenVisibility: hv as GradePlan["hiddenVisibility"] } : {}),
    quiet: v.quiet ?? false,
    ...(replay ? { replay, trace: true } : {}),
  };
}

/** The events of a search counterexample's trace file (`<test>.seed<N>.search.json`), checked. */
function readReplay(file: string, only: string | undefined, labs: readonly string[]): SearchEvent[] {
  if (only === undefined || labs.length !== 1)
    throw new UsageError('grade: --replay FILE replays one search test: give one lab and --only "<test>"');
  let data: { search?: { test?: unknown; events?: unknown } };
  try {
    data = JSON.parse(readFileSync(file, "utf8")) as typeof data;
  } catch (err) {
    throw new UsageError(`grade: --replay ${file}: cannot read it as JSON (${(err as Error).message})`);
  }
  const events = data.search?.events;
  if (!Array.isArray(events))
    throw new UsageError(
      `grade: --replay ${file} holds no search counterexample: give the .search.json trace a failing search test wrote`,
    );
  if (data.search?.test !== only)
    throw new UsageError(
      `grade: --replay ${file} is a counterexample of "${String(data.search?.test)}", not of "${only}"`,
    );
  return events as SearchEvent[];
}

/** A directory impl is resolved against the folder the user typed the command in. */
export function absoluteImpl(spec: string, cwd: string): string {
  if (spec === "stub" || spec === "src" || spec === "reference" || spec.startsWith("mutant:")) return spec;
  return resolve(cwd, spec);
}

export interface GradeOutcome {
  reports: LabReport[];
  passed: boolean;
  /** Labs whose grader did not load (with --all). */
  broken: string[];
}

/**
 * Set by `faultline watch` for the run it keeps ready: the run loads the CLI and the graders and
 * starts its first grading process, then waits for a line on stdin (the next save) before it
 * reads the learner's files, so a save is graded without paying for the start-up.
 */
export const STANDBY_ENV = "FAULTLINE_WATCH_STANDBY";

/** Wait for watch's "go" line; false when stdin ends first (watch quit or started another run). */
function standbyUntilGo(): Promise<boolean> {
  delete process.env[STANDBY_ENV];
  return new Promise((resolve) => {
    const stdin = process.stdin;
    stdin.setEncoding("utf8");
    stdin.on("data", (d: string) => {
      if (!d.includes("\n")) return;
      stdin.destroy(); // nothing more to read; an open stdin would keep the run alive
      resolve(true);
    });
    stdin.once("end", () => resolve(false));
    stdin.once("error", () => resolve(false));
  });
}

/** Run a plan: validate everything first (usage errors before any work), then grade lab by lab. */
export async function runGradePlan(
  plan: GradePlan,
  io: Io,
  opts: { record?: boolean; report?: boolean } = {},
): Promise<GradeOutcome> {
  const loaded: Array<{ grader: LabGrader; module: string; impl?: string }> = [];
  const broken: string[] = [];
  for (const lab of [...new Set(plan.labs)]) {
    let l: { grader: LabGrader; module: string; impl?: string };
    try {
      l = await loadLab(lab);
    } catch (err) {
      if (!(plan.all && err instanceof GraderLoadError)) throw err;
      say(io.err, `faultline: ${err.message}\n(skipping ${lab}; the other labs are graded)\n`);
      broken.push(lab);
      continue;
    }
    for (const p of plan.parts ?? []) requirePart(l.grader, p);
    if (plan.only !== undefined) requireTest(l.grader, plan.only);
    try {
      const cwd = process.env.INIT_CWD ?? process.cwd();
      const impl = gradingImpl(lab, plan.impl, l.grader.root, cwd);
      resolveImpl(lab, impl, l.grader.root, cwd);
      l.impl = impl;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    loaded.push(l);
  }
  const machineToStdout = plan.format !== undefined && plan.out === undefined;
  const humanOut = machineToStdout ? io.err : io.out;
  const show = opts.report ?? true;
  const reporter = new TerminalReporter({
    out: humanOut,
    progress: show ? io.err : false,
    color: io.color && !machineToStdout,
    cwd: io.cwd,
    failures: show && !plan.quiet,
  });
  if (plan.explore && plan.seeds && show)
    reporter.note(
      `exploring ${plan.seeds.length} fresh seeds: ${plan.seeds.join(" ")}\n(replay one with --seed <S>)\n(the same seeds again: --explore --seeds ${plan.seeds.length} --seed-base ${plan.seedBase})\n`,
    );
  if (plan.shard && show)
    reporter.note(
      `shard ${formatShard(plan.shard)}: this machine grades about 1/${plan.shard.count} of every test's seeds (the same split on every machine); join the shards' --format json reports with faultline report merge\n`,
    );
  const pool = new WorkerPool(plan.jobs);
  // the first grading process starts while the implementation is bundled and loaded
  const firstLab = loaded[0];
  if (firstLab) pool.warm(firstLab.module, firstLab.grader.isolation);
  if (process.env[STANDBY_ENV] === "1" && !(await standbyUntilGo())) {
    await pool.close();
    return { reports: [], passed: true, broken };
  }
  const reports: LabReport[] = [];
  try {
    for (const { grader, module, impl: implOf } of loaded) {
      reporter.labStart(grader.lab);
      const started = Date.now();
      const results = await gradeLab(grader, module, {
        impl: implOf ?? plan.impl,
        pool,
        ...(plan.seeds ? { seeds: plan.seeds } : {}),
        ...(plan.parts ? { parts: plan.parts } : {}),
        ...(plan.only !== undefined ? { only: plan.only } : {}),
        ...(plan.replay ? { replay: plan.replay } : {}),
        trace: plan.trace,
        determinism: plan.determinism,
        // A shard is part of a whole run: every seed counts in the merge.
        stopAtFirstFailure: stopsAtFirstFailure(plan) && !plan.shard,
        ...(plan.shard ? { shard: plan.shard } : {}),
        onScenarioStart: (s, i, n, seeds) => reporter.scenarioStart(s, i, n, seeds.length),
        onSeed: (r) => reporter.seedDone(r),
        onResult: (r) => reporter.result(r),
      });
      const rep = labReport(grader, plan.impl, results, Date.now() - started, plan.seeds, plan.shard);
      reports.push(rep);
      if (show) reporter.labDone(rep);
      if (plan.trace && show) listTraces(results, io, humanOut, traceDirFor(grader.lab));
      if ((opts.record ?? true) && plan.impl === "stub" && !plan.seeds) {
        const complete = Object.keys(grader.parts).filter(
          (p) => (!plan.parts || plan.parts.includes(p)) && plan.only === undefined,
        );
        try {
          recordRun(rep, complete);
        } catch {
          // progress is a convenience: a read-only checkout still grades
        }
      }
    }
    if (show) reporter.summary(reports);
  } finally {
    reporter.close();
    await pool.close();
  }
  if (plan.format) {
    const text = renderMachineFormat(plan.format, reports, {
      cwd: io.cwd,
      ...(plan.hiddenVisibility ? { hiddenVisibility: plan.hiddenVisibility } : {}),
    });
    if (plan.out) {
      mkdirSync(dirname(plan.out), { recursive: true });
      writeFileSync(plan.out, text);
      if (show) say(io.out, `wrote ${plan.format} results to ${displayPath(plan.out, io.cwd)}`);
    } else io.out.write(text);
  }
  const passed = reports.every((rep) => requiredPassed(rep.results));
  return { reports, passed: passed && broken.length === 0, broken };
}

function listTraces(results: readonly ScenarioResult[], io: Io, out: NodeJS.WritableStream, dir: string): void {
  const files = results.flatMap((r) => r.seeds.flatMap((s) => s.traceFiles.filter((f) => f.endsWith(".html"))));
  if (files.length === 0) return;
  const shown = files.slice(0, 8).map((f) => `  ${displayPath(f, io.cwd)}`);
  say(
    out,
    `traces (open the .html in a browser, or: pnpm faultline trace text <file>):\n${shown.join("\n")}${files.length > 8 ? `\n  … and ${files.length - 8} more in ${displayPath(dir, io.cwd)}` : ""}\n`,
  );
}

export async function gradeCommand(argv: string[], io: Io): Promise<number> {
  const plan = parseGrade(argv, io);
  if (plan === "help") {
    say(io.out, GRADE_HELP);
    return 0;
  }
  const { passed, broken } = await runGradePlan(plan, io);
  return broken.length > 0 ? 3 : passed ? 0 : 1;
}

export const GRADE_HELP = `usage: ${GRADE_USAGE}

Grades labs against their graders. By default the learner's code (labs/<lab>/src) on each
test's fixed seeds, so grades are reproducible.

  --all               every lab that has a grader
  --part P, -p P      only part P (repeat or comma-separate for several)
  --only NAME         only the test named NAME (quote it: --only "initial election")
  --replay FILE       run the counterexample a search test saved (its .search.json trace) instead
                      of searching again, and write its trace views (with --only NAME)
  --seed S            run exactly seed S (repeatable, or comma-separated)
  --seeds N           run seeds 1..N instead of each test's default set
  --explore           run fresh random seeds (20, or --seeds N); they are printed for replay
  --impl I            stub (default, env FAULTLINE_IMPL), reference, mutant:<name>, or a directory
  --trace             write trace files (.html space-time diagram, .txt, .json, .shiviz.log)
  --determinism       run every seed twice and compare trace hashes (default when CI is set)
  --all-seeds         run every seed of a failing test; grading your own code otherwise stops a
                      test at its first failing seed (the points are the same: a test scores
                      only when every seed passes). Runs with --impl other than your src,
                      --format or --determinism always run every seed
  --jobs N, -j N      worker threads (default: the number of cores, at most 8)
  --shard k/n         grade the k-th of n parts of the run (every n-th test and seed, a
                      deterministic split; runs every seed); join the parts' --format json
                      reports with faultline report merge
  --seed-base S       --explore derives its seeds from S (printed by every --explore run)
  --format F          gradescope | junit | json (to stdout, or to --out FILE)
  --hidden-visibility after_published | hidden | after_due_date (Gradescope, hidden tests)
  --quiet, -q         no failure reports, only the table

Exit code: 0 when every graded test passed, 1 when any failed or is not started yet,
2 on a usage error, 3 when a grader does not load.`;
