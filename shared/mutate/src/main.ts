/**
 * `pnpm mutate <lab>`: mutation testing of a lab's reference with the lab's grader as the test.
 * StrykerJS mutates labs/<lab>/reference in place, and for each mutant runs grade-client.mjs,
 * which asks the grader this command keeps running (grade-service.ts) and fails when any
 * scenario fails. A surviving mutant is a change to the
 * reference that still scores 100%: either equivalent, or a bug the grader misses.
 *
 *   pnpm mutate <lab> [--file F]... [--part P]... [--quick] [--force] [--jobs N]
 *
 * --quick grades each mutant on each test's first seed only: much faster on a busy machine; a
 * survivor may still fail a later seed (re-check it without --quick before calling it a gap).
 * --file limits the run to some files of reference/ (a name or a glob, e.g. versions.ts);
 * results of the other files are kept from earlier runs.
 * --part grades each mutant with the tests of those parts only (e.g. the part whose file is
 * mutated): a survivor is then one no test of these parts fails.
 *
 * Incremental: results are kept in labs/<lab>/.mutation/ and only changed code is tested
 * again; survivors are tested again when the grader changed (see fingerprint.ts). One run per
 * checkout (see lock.ts).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { knownLabs } from "@faultline/grading";
import { Stryker } from "@stryker-mutator/core";
import { fingerprint, forgetSurvivors, recordedFingerprint, verdictInputs } from "./fingerprint.ts";
import { startGradeService } from "./grade-service.ts";
import { acquireLock, LockHeld } from "./lock.ts";
import { fromRoot, mutationPaths } from "./paths.ts";
import { guardReference, referenceIsClean } from "./reference-guard.ts";
import { score, scoreLine, survivorLines, type MutantOutcome } from "./summary.ts";

/** Stryker's options (their log levels are an enum of string values). */
type StrykerOptions = NonNullable<ConstructorParameters<typeof Stryker>[0]>;

const USAGE = "pnpm mutate <lab> [--file F]... [--part P]... [--quick] [--force] [--jobs N]";

interface Args {
  lab: string;
  force: boolean;
  /** Worker processes of the grader inside each mutant run. */
  jobs: number;
  /** Files (names or globs under reference/) to mutate; all when empty. */
  files: string[];
  /** Each test's first seed only. */
  quick: boolean;
  /** Parts whose tests grade each mutant; every part when empty. */
  parts: string[];
}

function parseArgs(argv: string[]): Args | string {
  const positional: string[] = [];
  let force = false;
  let quick = false;
  let jobs = 1;
  const files: string[] = [];
  const parts: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--force") force = true;
    else if (a === "--quick") quick = true;
    else if (a === "--file") {
      const f = argv[++i];
      if (!f || f.startsWith("-")) return "--file takes a file name or glob under reference/";
      files.push(f);
    } else if (a === "--part" || a === "-p") {
      const p = argv[++i];
      if (!p || p.startsWith("-")) return "--part takes a part letter (or several, comma-separated)";
      parts.push(
        ...p
          .split(",")
          .map((x) => x.trim().toUpperCase())
          .filter((x) => x.length > 0),
      );
    } else if (a === "--jobs" || a === "-j") {
      jobs = Number(argv[++i]);
      if (!Number.isInteger(jobs) || jobs < 1) return "--jobs takes a whole number of at least 1";
    } else if (a === "--help" || a === "-h") return "";
    else if (a.startsWith("-")) return `unknown option ${a}`;
    else positional.push(a);
  }
  if (positional.length !== 1) return "give exactly one lab (mutation runs are one lab at a time)";
  return { lab: positional[0] as string, force, jobs, files, quick, parts };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    if (args) console.error(`mutate: ${args}`);
    console.error(`usage: ${USAGE}\nlabs: ${knownLabs().join(", ")}`);
    return args ? 2 : 0;
  }
  const { lab, force, jobs, files, quick, parts } = args;
  if (!knownLabs().includes(lab)) {
    console.error(`mutate: unknown lab "${lab}"; labs: ${knownLabs().join(", ")}`);
    return 2;
  }
  const paths = mutationPaths(lab);
  if (!existsSync(paths.reference)) {
    console.error(`mutate: ${lab} has no reference/ to mutate (a learner copy?)`);
    return 2;
  }

  let release: () => void;
  try {
    release = acquireLock(paths.lock, lab);
  } catch (err) {
    if (err instanceof LockHeld) {
      console.error(`mutate: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const onSignal = (signal: NodeJS.Signals) => {
    release();
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const restored = guardReference(paths.reference, paths.backup);
    if (restored) console.log(`mutate: ${restored}`);
    mkdirSync(paths.state, { recursive: true });

    const print = verdictInputs(paths.root, lab);
    // A quick run's survivors are not a full run's: a change of mode tests them again.
    const current = `${fingerprint(paths.root, print)}${quick ? " quick" : ""}${parts.length > 0 ? ` parts ${[...parts].sort().join("")}` : ""}`;
    const recorded = recordedFingerprint(paths.fingerprintFile);
    if (!force && recorded !== undefined && recorded !== current) {
      const n = forgetSurvivors(paths.incrementalFile);
      console.log(
        `mutate: the grader or the grading code changed since the last run: testing the ${n} survivor(s) again (--force tests every mutant again)`,
      );
    }

    const service = await startGradeService(paths, jobs, quick, parts);
    const client = fileURLToPath(new URL("./grade-client.mjs", import.meta.url));
    const stryker = new Stryker({
      testRunner: "command",
      commandRunner: { command: `"${process.execPath}" "${client}" "${service.socket}"` },
      coverageAnalysis: "off",
      mutate: (files.length > 0 ? files : ["**/*.ts"]).map((f) => `${fromRoot(paths, paths.reference)}/${f}`),
      // The grading harness finds the graded files by their place in the course: mutate there.
      inPlace: true,
      // Stryker's default adds "// @ts-nocheck" to every TypeScript file of the project, which in
      // place means the whole course; the graded bundle is not type-checked anyway.
      disableTypeChecks: false,
      // One mutant at a time: each grade already uses the cores it is given (--jobs).
      concurrency: 1,
      incremental: true,
      incrementalFile: fromRoot(paths, paths.incrementalFile),
      force,
      reporters: ["progress", "clear-text", "html", "json"],
      htmlReporter: { fileName: fromRoot(paths, paths.html) },
      jsonReporter: { fileName: fromRoot(paths, paths.json) },
      clearTextReporter: { allowEmojis: false, logTests: false, reportMutants: false },
      tempDirName: fromRoot(paths, paths.tempDir),
      cleanTempDir: true,
      // A survivor takes a full grade; on a busy machine that can take twice the dry run.
      timeoutFactor: 2,
      timeoutMS: 60_000,
      dryRunTimeoutMinutes: 15,
      plugins: [],
      logLevel: "info" as StrykerOptions["logLevel"],
      fileLogLevel: "off" as StrykerOptions["fileLogLevel"],
    });
    let results: MutantOutcome[];
    try {
      results = (await stryker.runMutationTest()) as unknown as MutantOutcome[];
    } finally {
      await service.close();
    }
    if (!referenceIsClean(paths.reference)) {
      guardReference(paths.reference, paths.backup);
      console.error("mutate: Stryker left the reference instrumented; restored it from the clean copy");
    }
    if (service.errors.length > 0) {
      // A run that could not be graded exits non-zero, which Stryker counts as "killed".
      console.error(
        `mutate: ${service.errors.length} mutant run(s) could not be graded; their verdicts are wrong, so this run's results are not kept:\n${service.errors.slice(0, 3).join("\n")}`,
      );
      rmSync(paths.incrementalFile, { force: true });
      return 1;
    }
    writeFileSync(paths.fingerprintFile, `${current}\n`);

    const s = score(results);
    const survivors = survivorLines(results, paths.root);
    console.log(
      `\n${lab}: ${scoreLine(s)}${quick ? " (quick: each test's first seed)" : ""}${parts.length > 0 ? ` (the tests of part ${parts.join(", ")} only)` : ""}`,
    );
    if (s.killed + s.timeout === 0 && results.length > 0) {
      console.error(
        "mutate: no mutant was killed: the graded code is not the mutated code, or the grader tests nothing",
      );
    }
    if (survivors.length > 0) {
      console.log(`survivors (triage each in labs/${lab}/MUTATION.md: equivalent, or a grader gap):`);
      for (const l of survivors) console.log(`  ${l}`);
    }
    console.log(
      `report: ${relative(process.cwd(), paths.html) || paths.html} (HTML), ${relative(process.cwd(), paths.json)} (JSON)`,
    );
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    release();
  }
}

process.exitCode = await main(process.argv.slice(2));
