/**
 * `faultline soak <lab...|--all> [--seeds N] [--impl I] [--jobs N] [--seed-base S] [--only NAME]
 *  [--part P] [--real]`
 *
 * Grades an implementation (the reference by default) on N fresh random seeds per scenario and
 * runs every one of them: a verdict must not depend on the seed, so any failure is a bug in the
 * implementation or in the grader. The seeds come from a printed base, so a run can be repeated.
 *
 * Exit code: 0 when every seed passed, 1 when any failed, 2 on a usage error, 3 when a grader
 * does not load.
 */
import { randomInt } from "node:crypto";
import { Rng } from "@faultline/sim";
import {
  fmtDuration,
  fmtMs,
  formatShard,
  gradeScenario,
  gradingImpl,
  parseShard,
  shardSeeds,
  knownLabs,
  replayCommand,
  resolveImpl,
  WorkerPool,
  type LabGrader,
  type Scenario,
  type SeedResult,
  type Shard,
} from "@faultline/grading";
import { intFlag, paint, parseCommand, say, UsageError, type Io } from "../io.ts";
import { labList, loadLab, requirePart, requireTest } from "../labs.ts";
import { absoluteImpl } from "./grade.ts";

export const SOAK_USAGE =
  "faultline soak <lab...|--all> [--seeds N] [--seed-base S] [--impl reference|mutant:<name>|<dir>] [--jobs N] [--only NAME] [--part P] [--real] [--shard k/n]";

const SOAK_FLAGS = {
  all: { type: "boolean" },
  seeds: { type: "string" },
  "seed-base": { type: "string" },
  impl: { type: "string" },
  jobs: { type: "string", short: "j" },
  only: { type: "string" },
  part: { type: "string", multiple: true, short: "p" },
  real: { type: "boolean" },
  shard: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const SOAK_DEFAULT_SEEDS = 100;
/** Replay seeds stay clear of the default seeds 1..N that grades use. */
const SEED_MIN = 1_000;
const SEED_MAX = 2 ** 31 - 1;
/** Above this many seeds the list is abbreviated: the base reproduces it. */
const SHOW_ALL_SEEDS = 50;

export interface SoakPlan {
  labs: string[];
  seedCount: number;
  seedBase: number;
  impl: string;
  jobs?: number;
  only?: string;
  parts?: string[];
  real: boolean;
  /** Run only this shard's (scenario, seed) pairs (one machine of n). */
  shard?: Shard;
}

export function parseSoak(argv: string[], io: Io): SoakPlan | "help" {
  const { values: v, positionals } = parseCommand("soak", argv, SOAK_FLAGS, SOAK_USAGE);
  if (v.help) return "help";
  if (v.all && positionals.length > 0) throw new UsageError("soak: give lab names or --all, not both");
  const labs = v.all ? knownLabs() : positionals;
  if (labs.length === 0) throw new UsageError(`soak: which lab?\n${labList()}\nusage: ${SOAK_USAGE}`);
  const parts = v.part
    ?.flatMap((p) => p.split(","))
    .map((p) => p.trim())
    .filter(Boolean);
  const base = intFlag("seed-base", v["seed-base"], 1);
  const impl = v.impl ?? "reference";
  const jobs = intFlag("jobs", v.jobs, 1);
  let shard: Shard | undefined;
  if (v.shard !== undefined) {
    const s = parseShard(v.shard);
    if ("error" in s) throw new UsageError(`soak: ${s.error}`);
    if (base === undefined)
      throw new UsageError(
        "soak: --shard needs --seed-base S, the same on every machine, so that all shards split the same fresh seeds",
      );
    shard = s;
  }
  if (impl === "stub" || impl === "src")
    throw new UsageError("soak: the stubs fail every seed; soak a reference, a mutant or a directory (--impl)");
  return {
    labs: [...new Set(labs)],
    seedCount: intFlag("seeds", v.seeds, 1) ?? SOAK_DEFAULT_SEEDS,
    seedBase: base ?? randomInt(1, SEED_MAX),
    impl: absoluteImpl(impl, io.cwd),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(v.only !== undefined ? { only: v.only } : {}),
    ...(parts && parts.length > 0 ? { parts } : {}),
    real: v.real ?? false,
    ...(shard ? { shard } : {}),
  };
}

/** N distinct seeds, a pure function of the base: the same base gives the same seeds. */
export function soakSeeds(base: number, count: number): number[] {
  const rng = new Rng(base, "soak");
  const seen = new Set<number>();
  while (seen.size < count) seen.add(SEED_MIN + (rng.nextU32() % (SEED_MAX - SEED_MIN)));
  return [...seen];
}

export interface SoakRow {
  lab: string;
  scenario: string;
  seeds: number;
  failures: SeedResult[];
  wallMs: number;
}

export interface SoakOutcome {
  rows: SoakRow[];
  /** Scenarios left out (real processes or HTTP), per lab. */
  skipped: Array<{ lab: string; scenario: string }>;
  failures: number;
}

/** Scenarios a soak runs: simulated ones (real I/O only with --real), filtered by --part/--only. */
export function soakScenarios(
  grader: LabGrader,
  plan: Pick<SoakPlan, "only" | "parts" | "real">,
): { run: Scenario[]; skipped: Scenario[] } {
  const chosen = grader.scenarios.filter(
    (s) => (!plan.parts || plan.parts.includes(s.part)) && (plan.only === undefined || s.name === plan.only),
  );
  const real = (s: Scenario) => s.deterministic === false && !plan.real && plan.only === undefined;
  return { run: chosen.filter((s) => !real(s)), skipped: chosen.filter(real) };
}

export async function runSoak(plan: SoakPlan, io: Io): Promise<SoakOutcome> {
  // Validate every lab, flag and impl before the first seed runs.
  const loaded: Array<{ grader: LabGrader; module: string; impl: string }> = [];
  for (const lab of plan.labs) {
    const { grader, module } = await loadLab(lab);
    for (const p of plan.parts ?? []) requirePart(grader, p);
    if (plan.only !== undefined) requireTest(grader, plan.only);
    try {
      const cwd = process.env.INIT_CWD ?? process.cwd();
      const impl = gradingImpl(lab, plan.impl, grader.root, cwd);
      resolveImpl(lab, impl, grader.root, cwd);
      loaded.push({ grader, module, impl });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const seeds = soakSeeds(plan.seedBase, plan.seedCount);
  const shown =
    seeds.length <= SHOW_ALL_SEEDS ? seeds.join(" ") : `${seeds.slice(0, 10).join(" ")} … (${seeds.length - 10} more)`;
  const again = `pnpm soak ${plan.labs.join(" ")} --seeds ${plan.seedCount} --seed-base ${plan.seedBase}${plan.impl === "reference" ? "" : ` --impl ${plan.impl}`}${plan.shard ? ` --shard ${formatShard(plan.shard)}` : ""}`;
  say(
    io.out,
    `soak: ${plan.seedCount} fresh seeds per scenario (impl ${plan.impl}), seed base ${plan.seedBase}${plan.shard ? `, shard ${formatShard(plan.shard)} (about 1/${plan.shard.count} of them)` : ""}: ${shown}`,
  );
  say(io.out, `(same seeds again: ${again})\n`);

  const out: SoakOutcome = { rows: [], skipped: [], failures: 0 };
  const pool = new WorkerPool(plan.jobs);
  try {
    for (const { grader, module, impl } of loaded) {
      const { run: chosen, skipped } = soakScenarios(grader, plan);
      out.skipped.push(...skipped.map((s) => ({ lab: grader.lab, scenario: s.name })));
      const run = plan.shard ? shardSeeds(chosen, () => seeds, plan.shard) : chosen.map((test) => ({ test, seeds }));
      say(
        io.out,
        `${grader.lab}: ${run.length} scenarios × ${plan.shard ? `about ${Math.ceil(seeds.length / plan.shard.count)}` : seeds.length} seeds${skipped.length > 0 ? ` (skipping ${skipped.length} with real processes or HTTP; --real includes them)` : ""}`,
      );
      if (run.length === 0) continue;
      const rows: SoakRow[] = [];
      for (const [i, { test: s, seeds: mine }] of run.entries()) {
        const started = Date.now();
        let done = 0;
        const progress = (io.err as { isTTY?: boolean }).isTTY
          ? (text: string) => io.err.write(`\r\x1b[K${text}`)
          : undefined;
        const r = await gradeScenario(grader, s, {
          lab: grader.lab,
          graderModule: module,
          impl,
          pool,
          seeds: mine,
          determinism: false,
          onSeed: (seed) => {
            done++;
            progress?.(`  [${i + 1}/${run.length}] ${s.name}: ${done}/${mine.length}`);
            if (seed.status !== "pass") {
              progress?.("");
              reportFailure(io, grader.lab, s.name, seed, plan.impl);
            }
          },
        });
        progress?.("");
        // An impl that does not load runs no seed: one failure for the scenario.
        const failures =
          r.status === "error" && r.firstFailure ? [r.firstFailure] : r.seeds.filter((x) => x.status !== "pass");
        if (r.status === "error" && r.firstFailure) reportFailure(io, grader.lab, s.name, r.firstFailure, plan.impl);
        const row: SoakRow = {
          lab: grader.lab,
          scenario: s.name,
          seeds: r.seeds.length,
          failures,
          wallMs: Date.now() - started,
        };
        rows.push(row);
        out.failures += failures.length;
        const mark = failures.length === 0 ? paint(io.color, "32", "✓") : paint(io.color, "31", "✗");
        say(
          io.out,
          `  ${mark} ${s.part} ${s.name}: ${row.seeds} seeds, ${failures.length} failed, ${fmtDuration(row.wallMs)}`,
        );
      }
      out.rows.push(...rows);
      say(io.out, `\n${formatSoakTable(grader.lab, rows)}\n`);
    }
  } finally {
    await pool.close();
  }
  const runs = out.rows.reduce((a, r) => a + r.seeds, 0);
  const wall = out.rows.reduce((a, r) => a + r.wallMs, 0);
  const verdict =
    out.failures === 0
      ? paint(io.color, "32", "0 failures")
      : paint(io.color, "31", `${out.failures} failing seed${out.failures === 1 ? "" : "s"}`);
  say(
    io.out,
    `soak: ${loaded.length} lab${loaded.length === 1 ? "" : "s"}, ${out.rows.length} scenarios, ${runs} seed runs, ${verdict}, ${fmtDuration(wall)} (seed base ${plan.seedBase})`,
  );
  return out;
}

function reportFailure(io: Io, lab: string, scenario: string, seed: SeedResult, impl: string): void {
  const f = seed.failure;
  const what = f ? `${f.invariant}: ${f.message}` : seed.status;
  const where = [f?.node, f?.t !== undefined ? `t=${fmtMs(Math.round(f.t * 10) / 10)}` : undefined]
    .filter(Boolean)
    .join(", ");
  say(
    io.out,
    `  ${paint(io.color, "31", "✗")} ${lab} "${scenario}" seed ${seed.seed} (${seed.status}${where ? `, ${where}` : ""}): ${firstLines(what, 4)}`,
  );
  say(io.out, `    replay: ${replayCommand(lab, scenario, seed.seed, impl)}`);
}

function firstLines(s: string, n: number): string {
  const lines = s.split("\n");
  return lines.length <= n ? s : `${lines.slice(0, n).join("\n")}\n    …`;
}

/** Per lab: scenario, seeds run, failures, wall time, and a total row. */
export function formatSoakTable(lab: string, rows: readonly SoakRow[]): string {
  const total = {
    scenario: "total",
    seeds: rows.reduce((a, r) => a + r.seeds, 0),
    failures: rows.reduce((a, r) => a + r.failures.length, 0),
    wallMs: rows.reduce((a, r) => a + r.wallMs, 0),
  };
  const cells = [
    ...rows.map((r) => ({ scenario: r.scenario, seeds: r.seeds, failures: r.failures.length, wallMs: r.wallMs })),
    total,
  ].map((r) => [r.scenario, String(r.seeds), String(r.failures), fmtDuration(r.wallMs)]);
  const head = ["scenario", "seeds", "failures", "wall"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    `  ${c.map((x, i) => (i === 0 ? x.padEnd(widths[i] as number) : x.padStart(widths[i] as number))).join("  ")}`.trimEnd();
  const rule = `  ${widths.map((w) => "-".repeat(w)).join("  ")}`;
  return [
    `${lab} soak`,
    line(head),
    rule,
    ...cells.slice(0, -1).map(line),
    rule,
    line(cells[cells.length - 1] as string[]),
  ].join("\n");
}

export async function soakCommand(argv: string[], io: Io): Promise<number> {
  const plan = parseSoak(argv, io);
  if (plan === "help") {
    say(io.out, SOAK_HELP);
    return 0;
  }
  const { failures } = await runSoak(plan, io);
  return failures === 0 ? 0 : 1;
}

export const SOAK_HELP = `usage: ${SOAK_USAGE}

Grades the reference (or --impl) on fresh random seeds, every seed of every simulated
scenario, without stopping at a failure: a verdict must not depend on the seed. Prints each
failing seed with its replay command and a table per lab (scenario, seeds, failures, wall time).

  --all               every lab that has a grader
  --seeds N           fresh seeds per scenario (default ${SOAK_DEFAULT_SEEDS})
  --seed-base S       derive the seeds from S (printed by every run) to repeat a soak exactly
  --impl I            reference (default), mutant:<name>, or a directory
  --jobs N, -j N      grading processes side by side (default: the number of cores, at most 8)
  --only NAME         only the test named NAME
  --part P, -p P      only part P (repeat or comma-separate for several)
  --real              include tests with real processes or HTTP (skipped by default)
  --shard k/n         run the k-th of n parts of the soak (about 1/n of every scenario's seeds,
                      the same split on every machine; needs --seed-base)

Exit code: 0 when every seed passed, 1 when any failed, 2 on a usage error, 3 when a grader
does not load.`;
