/**
 * Grade one scenario: run its seeds (in parallel, isolated), optionally twice each to prove
 * determinism, and summarize as points plus the first failing seed with its replay command.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { firstDifference, type SearchEvent, type TraceEvent } from "@faultline/sim";
import { slug, type LabGrader, type Scenario } from "./scenario.ts";
import { runSeed, stoppedSeed, type FailureInfo, type SeedResult, type SeedTask } from "./run-seed.ts";
import { WorkerPool } from "./pool.ts";
import { courseRoot, resolveImpl } from "./impl.ts";
import { PatchError } from "./mutants/patch.ts";
import { shellQuote } from "./format.ts";
import { readTraceFile, writeTraceFiles } from "./trace-files.ts";
import { bundleFor } from "./isolation/prepare.ts";
import { shardSeeds, type Shard } from "./shard.ts";
import { BundleError } from "./isolation/bundle.ts";

/** "error": the implementation does not load at all (reported once, not as a failure per test). */
export type ScenarioStatus = "pass" | "fail" | "not-started" | "error";

export interface ScenarioResult {
  lab: string;
  part: string;
  name: string;
  points: number;
  earned: number;
  status: ScenarioStatus;
  hidden: boolean;
  /** Points on top of the total (a stretch goal): see Scenario.bonus. */
  bonus: boolean;
  seeds: SeedResult[];
  /** The first failing seed (lowest seed number among failures), if any. */
  firstFailure?: SeedResult;
  /** One command that reruns exactly the first failing seed with traces on. */
  replay?: string;
  hint: string;
  /** Seeds left unrun after the first failure (stopAtFirstFailure). */
  notRun?: number;
  /** --impl of the run (for commands that rerun it). */
  impl?: string;
  /** Set when two runs of one seed produced different traces. */
  nondeterminism?: { seed: number; detail: string; replay?: string };
  wallMs: number;
  virtualMs: number;
}

export interface GradeOptions {
  lab: string;
  graderModule: string;
  impl: string;
  /** Seeds to run; default 1..scenario.seeds. */
  seeds?: readonly number[];
  trace?: boolean;
  traceDir?: string;
  /** Run every seed twice and compare trace hashes. */
  determinism?: boolean;
  /** Stop scheduling seeds after the first failure (learner runs, mutant checks). */
  stopAtFirstFailure?: boolean;
  /** Worker pool, or "inline" to run in this thread (no watchdog: for debugging). */
  pool: WorkerPool | "inline";
  /** Called after each seed run (progress display). */
  onSeed?: (r: SeedResult, scenario: Scenario) => void;
  /** Events of a saved search counterexample: search tests run them instead of searching (--replay). */
  replay?: SearchEvent[];
}

export const DEFAULT_SEEDS = 10;
/**
 * Wall-clock limit of one seed. Generous on purpose: storms are cut by the storm limits and an
 * endless handler by the handler watchdog, so this limit is only for what neither catches, and
 * the heaviest reference seeds (raft's 2000-command log test) need over 20 s on a busy 2-core
 * machine.
 */
export const DEFAULT_SEED_TIMEOUT_MS = 60_000;
export const DEFAULT_HANDLER_TIMEOUT_MS = 2_000;

export function defaultSeeds(s: Scenario): number[] {
  return Array.from({ length: s.seeds ?? DEFAULT_SEEDS }, (_, i) => i + 1);
}

export function traceDirFor(lab: string): string {
  return join(courseRoot(), ".faultline", "traces", lab);
}

export function replayCommand(lab: string, scenario: string, seed: number, impl: string): string {
  const implArg = impl === "stub" ? "" : ` --impl ${shellQuote(impl)}`;
  return `pnpm faultline grade ${lab} --only ${shellQuote(scenario)} --seed ${seed}${implArg} --trace`;
}

export async function gradeScenario(lab: LabGrader, scenario: Scenario, opts: GradeOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const seeds = opts.seeds ?? defaultSeeds(scenario);
  const limits = {
    handlerTimeoutMs: scenario.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS,
    seedTimeoutMs: scenario.timeoutMs ?? DEFAULT_SEED_TIMEOUT_MS,
  };
  const isolation = scenario.isolation ?? lab.isolation ?? "context";
  const taskFor = (seed: number, extra: Partial<SeedTask> = {}): SeedTask => ({
    lab: opts.lab,
    graderModule: opts.graderModule,
    scenario: scenario.name,
    seed,
    impl: opts.impl,
    trace: opts.trace ?? false,
    traceDir: opts.traceDir ?? traceDirFor(opts.lab),
    isolation,
    ...(opts.replay ? { replay: opts.replay } : {}),
    ...extra,
  });
  const { bundle, failure: bundleFailure } = await bundleForRun(lab, isolation, opts.impl);
  if (bundleFailure) return notLoading(lab, scenario, opts, bundleFailure, started);
  const withBundle = (task: SeedTask): SeedTask => (bundle ? { ...task, bundle } : task);
  const exec = (task: SeedTask, avoid?: number): Promise<SeedResult> =>
    opts.pool === "inline" ? runSeed(withBundle(task)) : opts.pool.run(withBundle(task), limits, avoid);

  // A replay keeps the saved counterexamples: the learner replays the same file again after a fix.
  clearOldTraces(opts.traceDir ?? traceDirFor(opts.lab), scenario.name, opts.replay !== undefined);
  let stop = false;
  const results: SeedResult[] = [];
  let nondeterminism: ScenarioResult["nondeterminism"];
  let explaining = false;
  const twice = (opts.determinism ?? false) && scenario.deterministic !== false;

  // As many lanes as workers, each taking the next seed, so that a stop (first failure in a
  // mutant check) leaves the remaining seeds unrun.
  const queue = [...seeds];
  const lanes = Math.max(1, Math.min(queue.length, opts.pool === "inline" ? 1 : opts.pool.size));
  const runOne = async (seed: number): Promise<void> => {
    const r = await exec(taskFor(seed));
    results.push(r);
    opts.onSeed?.(r, scenario);
    if (r.status !== "pass" && opts.stopAtFirstFailure) stop = true;
    if (twice && r.status !== "timeout" && !nondeterminism && !stop) {
      // The second run happens in another grading process, from fresh contexts.
      const again = await exec(taskFor(seed, { trace: false }), r.process);
      if ((again.traceHash !== r.traceHash || again.status !== r.status) && !explaining) {
        explaining = true; // one diagnosis per scenario, even when several seeds differ
        if (opts.stopAtFirstFailure) stop = true;
        const detail = await explainDifference(
          exec,
          taskFor(seed, { trace: false, collectEvents: true }),
          r,
          again,
          limits,
          opts.pool === "inline",
        );
        nondeterminism = {
          seed,
          detail,
          replay: replayCommand(opts.lab, scenario.name, seed, opts.impl).replace(/ --trace$/, " --determinism"),
        };
      }
    }
  };
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let seed = queue.shift(); seed !== undefined && !stop; seed = queue.shift()) await runOne(seed);
    }),
  );
  results.sort((a, b) => a.seed - b.seed);
  // An endless handler was killed with its worker, so its trace is gone: replay the seed up to
  // the call that never returned and write the trace of everything before it.
  const stuck = results.find((r) => r.status !== "pass")?.stuck;
  const firstBad = results.find((r) => r.status !== "pass");
  if (stuck && firstBad && opts.pool !== "inline") {
    try {
      const replay = await exec(
        taskFor(firstBad.seed, { trace: true, stopAt: { ...stuck, message: firstBad.failure?.message ?? stuck.text } }),
      );
      if (replay.status === "timeout" && replay.traceFiles.length > 0) firstBad.traceFiles = replay.traceFiles;
    } catch {
      // the report stands without a trace
    }
  }
  if (!(opts.trace ?? false)) keepFirstFailureTraces(results);
  const failures = results.filter((r) => r.status !== "pass");
  const allNotStarted = failures.length > 0 && failures.every((r) => r.status === "not-started");
  const firstFailure = failures[0];
  let status: ScenarioStatus =
    failures.length === 0 && !nondeterminism ? "pass" : allNotStarted ? "not-started" : "fail";
  if (status === "pass" && results.length === 0) status = "fail";
  return {
    lab: opts.lab,
    part: scenario.part,
    name: scenario.name,
    points: scenario.points,
    earned: status === "pass" ? scenario.points : 0,
    status,
    hidden: scenario.hidden ?? false,
    bonus: scenario.bonus ?? false,
    seeds: results,
    ...(firstFailure
      ? { firstFailure, replay: replayCommand(opts.lab, scenario.name, firstFailure.seed, opts.impl) }
      : {}),
    hint: scenario.hints[0] ?? "",
    ...(nondeterminism ? { nondeterminism } : {}),
    ...(results.length < seeds.length ? { notRun: seeds.length - results.length } : {}),
    impl: opts.impl,
    wallMs: Date.now() - started,
    virtualMs: results.reduce((a, r) => a + r.virtualMs, 0),
  };
}

/** A scenario whose implementation does not load: status "error", no seeds run. */
function notLoading(
  lab: LabGrader,
  scenario: Scenario,
  opts: GradeOptions,
  failure: FailureInfo,
  started: number,
): ScenarioResult {
  const seed = stoppedSeed((opts.seeds ?? defaultSeeds(scenario))[0] ?? 1, "fail", failure);
  return {
    lab: lab.lab,
    part: scenario.part,
    name: scenario.name,
    points: scenario.points,
    earned: 0,
    status: "error",
    hidden: scenario.hidden ?? false,
    bonus: scenario.bonus ?? false,
    seeds: [seed],
    firstFailure: seed,
    hint: scenario.hints[0] ?? "",
    wallMs: Date.now() - started,
    virtualMs: 0,
  };
}

function doesNotLoad(message: string, stack?: string): FailureInfo {
  return { invariant: "does not load", message: `your code does not load: ${message}`, ...(stack ? { stack } : {}) };
}

/** The bundle a context-isolated run needs, or why the implementation does not load. */
async function bundleForRun(
  lab: LabGrader,
  isolation: "context" | "process",
  impl: string,
): Promise<{ bundle?: NonNullable<SeedTask["bundle"]>; failure?: FailureInfo }> {
  // A mutant is staged here, by the process that may write: grading processes only read the copy.
  if (impl.startsWith("mutant:")) {
    try {
      resolveImpl(lab.lab, impl, lab.root);
    } catch (err) {
      if (err instanceof PatchError) return { failure: { invariant: "does not load", message: err.message } };
      throw err;
    }
  }
  if (isolation !== "context") return {};
  try {
    const bundle = await bundleFor(lab, impl);
    return bundle ? { bundle } : {};
  } catch (err) {
    if (err instanceof BundleError) return { failure: doesNotLoad(err.message) };
    throw err;
  }
}

/**
 * Load the implementation once, in a grading process, before any test: a module that does not
 * compile, throws, or never finishes loading is one problem, reported once.
 */
export async function checkLoads(
  lab: LabGrader,
  graderModule: string,
  opts: Pick<GradeOptions, "impl" | "pool">,
): Promise<FailureInfo | undefined> {
  const first = lab.scenarios[0];
  if (!first) return undefined;
  const isolation = lab.isolation ?? "context";
  const { bundle, failure } = await bundleForRun(lab, isolation, opts.impl);
  if (failure) return failure;
  const task: SeedTask = {
    lab: lab.lab,
    graderModule,
    scenario: first.name,
    seed: 1,
    impl: opts.impl,
    trace: false,
    traceDir: traceDirFor(lab.lab),
    isolation,
    loadOnly: true,
    ...(bundle ? { bundle } : {}),
  };
  const limits = { handlerTimeoutMs: DEFAULT_HANDLER_TIMEOUT_MS, seedTimeoutMs: DEFAULT_SEED_TIMEOUT_MS };
  const r = opts.pool === "inline" ? await runSeed(task) : await opts.pool.run(task, limits);
  if (r.status === "pass") return undefined;
  const f = r.failure;
  if (r.status === "timeout")
    return doesNotLoad(
      `your module did not finish loading within ${fmtSeconds(limits.handlerTimeoutMs)} (an endless loop at the top level of a file?)`,
    );
  if (f?.invariant === "memory limit") return doesNotLoad(f.message);
  return doesNotLoad(f?.message ?? "it failed to load", f?.stack);
}

function fmtSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

async function explainDifference(
  exec: (t: SeedTask) => Promise<SeedResult>,
  task: SeedTask,
  a: SeedResult,
  b: SeedResult,
  limits: { handlerTimeoutMs: number; seedTimeoutMs: number },
  inline: boolean,
): Promise<string> {
  const head = `seed ${task.seed} produced two different traces (${a.traceHash || a.status} vs ${b.traceHash || b.status}): the implementation is not deterministic`;
  const show = (e: TraceEvent | undefined) =>
    e
      ? `t=${e.t} ${e.node} ${e.kind}${e.peer ? ` ${e.peer}` : ""} ${e.payload ?? e.tag ?? e.text ?? ""}`.trim()
      : "(end of trace)";
  // First suspect: state that survives from one run to the next in the same process (a
  // module-level variable, a static field, a cache outside the node). A fresh worker runs the
  // seed twice in a row; if the two runs differ, that is the cause.
  if (!inline) {
    const fresh = new WorkerPool(1);
    try {
      const x = await fresh.run(task, limits);
      const y = await fresh.run(task, limits);
      const i = firstDifference((x.events_ ?? []).flat(), (y.events_ ?? []).flat());
      if (i >= 0) {
        const ex = (x.events_ ?? []).flat();
        const ey = (y.events_ ?? []).flat();
        return `${head}: the second run of the seed in the same process behaved differently from the first, so state survives between runs (a module-level variable, a static field or a shared cache outside the node instance; keep all state in the node and on env.disk); first difference at event #${i}: ${show(ex[i])} vs ${show(ey[i])}`;
      }
    } catch {
      // fall through to the generic explanation
    } finally {
      await fresh.close();
    }
  }
  const [x, y] = await Promise.all([exec(task), exec(task)]);
  const ex = (x.events_ ?? []).flat();
  const ey = (y.events_ ?? []).flat();
  const i = firstDifference(ex, ey);
  const why = `${head} (hidden state shared across runs? iteration over something unordered? real time outside a handler?)`;
  if (i < 0) return why;
  return `${why}; first difference at event #${i}: ${show(ex[i])} vs ${show(ey[i])}`;
}

/** Remove the trace files an earlier run of this scenario left, so every file there is current. */
function clearOldTraces(dir: string, scenario: string, keepSearchFiles: boolean): void {
  if (!existsSync(dir)) return;
  const prefix = `${slug(scenario)}.seed`;
  try {
    for (const f of readdirSync(dir))
      if (f.startsWith(prefix) && !(keepSearchFiles && f.endsWith(".search.json")))
        rmSync(join(dir, f), { force: true });
  } catch {
    // stale files are harmless
  }
}

/**
 * Trace files of a run without --trace: the first failing seed gets every view (rendered here
 * from its JSON), the other failing seeds' traces are removed (their replay command rewrites
 * them), so a failing scenario leaves one set of files instead of one per seed.
 */
function keepFirstFailureTraces(results: SeedResult[]): void {
  const first = results.find((r) => r.status !== "pass" && r.traceFiles.length > 0);
  for (const r of results) {
    if (r.traceFiles.length === 0) continue;
    if (r !== first) {
      for (const f of r.traceFiles) rmSync(f, { force: true });
      r.traceFiles = [];
      continue;
    }
    if (r.traceFiles.some((f) => f.endsWith(".html"))) continue;
    r.traceFiles = r.traceFiles.flatMap((json) => {
      if (!json.endsWith(".json")) return [json];
      try {
        const [html, ...rest] = writeTraceFiles(readTraceFile(json), json.slice(0, -".json".length), [
          "html",
          "txt",
          "shiviz",
        ]);
        return [html as string, json, ...rest];
      } catch {
        return [json];
      }
    });
  }
}

/** Points of some results: the graded total and the bonus on top of it. */
export interface Tally {
  earned: number;
  possible: number;
  bonusEarned: number;
  bonusPossible: number;
}

export function tally(results: readonly ScenarioResult[]): Tally {
  const t: Tally = { earned: 0, possible: 0, bonusEarned: 0, bonusPossible: 0 };
  for (const r of results) {
    if (r.bonus) {
      t.bonusEarned += r.earned;
      t.bonusPossible += r.points;
    } else {
      t.earned += r.earned;
      t.possible += r.points;
    }
  }
  return t;
}

/** The points of one part as shown: a part made only of bonus tests shows its bonus points. */
export function partPoints(results: readonly ScenarioResult[]): { earned: number; possible: number; bonus: boolean } {
  const t = tally(results);
  const bonus = results.length > 0 && results.every((r) => r.bonus);
  return bonus
    ? { earned: t.bonusEarned, possible: t.bonusPossible, bonus }
    : { earned: t.earned, possible: t.possible, bonus };
}

/** "87/100", with "+ 5/10 bonus" when bonus tests were run. */
export function formatTally(t: Tally): string {
  return `${t.earned}/${t.possible}${t.bonusPossible > 0 ? ` + ${t.bonusEarned}/${t.bonusPossible} bonus` : ""}`;
}

/** Whether a run counts as passed: every test passed, bonus tests aside. */
export function requiredPassed(results: readonly ScenarioResult[]): boolean {
  return results.every((r) => r.bonus || r.status === "pass");
}

/** Sum of a lab's results: the tally in total and per part. */
export function summarize(results: readonly ScenarioResult[]): Tally & { byPart: Map<string, Tally> } {
  const parts = new Map<string, ScenarioResult[]>();
  for (const r of results) parts.set(r.part, [...(parts.get(r.part) ?? []), r]);
  return { ...tally(results), byPart: new Map([...parts].map(([p, rs]) => [p, tally(rs)])) };
}

export interface LabRunOptions extends Omit<GradeOptions, "lab" | "graderModule"> {
  /** Only these parts (letters). */
  parts?: readonly string[];
  /** Only the scenario with this exact name. */
  only?: string;
  /** Called after each scenario (progress, streaming reports). */
  onResult?: (r: ScenarioResult, done: number, total: number) => void;
  /** Called before each scenario starts. */
  onScenarioStart?: (s: Scenario, index: number, total: number, seeds: readonly number[]) => void;
  /** Grade only this shard's (test, seed) pairs; tests with none are left out. */
  shard?: Shard;
}

/** Grade every selected scenario of a lab, one scenario at a time (its seeds in parallel). */
export async function gradeLab(lab: LabGrader, graderModule: string, opts: LabRunOptions): Promise<ScenarioResult[]> {
  let chosen = lab.scenarios.filter((s) => !opts.parts || opts.parts.includes(s.part));
  if (opts.only !== undefined) {
    chosen = chosen.filter((s) => s.name === opts.only);
    if (chosen.length === 0)
      throw new Error(
        `unknown test "${opts.only}" in ${lab.lab}; tests: ${lab.scenarios.map((s) => `"${s.name}"`).join(", ")}`,
      );
  }
  const seedsOf = (s: Scenario) => opts.seeds ?? defaultSeeds(s);
  const plan = opts.shard
    ? shardSeeds(chosen, seedsOf, opts.shard)
    : chosen.map((test) => ({ test, seeds: seedsOf(test) }));
  const out: ScenarioResult[] = [];
  const loadFailure = await checkLoads(lab, graderModule, opts);
  for (const { test: s, seeds } of plan) {
    opts.onScenarioStart?.(s, out.length, plan.length, seeds);
    const scenarioOpts = { ...opts, seeds, lab: lab.lab, graderModule };
    const r = loadFailure
      ? notLoading(lab, s, scenarioOpts, loadFailure, Date.now())
      : await gradeScenario(lab, s, scenarioOpts);
    out.push(r);
    opts.onResult?.(r, out.length, plan.length);
  }
  return out;
}
