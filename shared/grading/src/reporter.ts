/**
 * Reports of a grading run: the terminal table (per lab and part: points, total, virtual and
 * wall time), the progress line on a terminal, and the machine formats (Gradescope
 * results.json, JUnit XML, JSON).
 */
import type { LabGrader, Scenario } from "./scenario.ts";
import { formatTally, partPoints, tally, type ScenarioResult, type ScenarioStatus } from "./grade.ts";
import type { FailureInfo, Metric, SeedResult, SeedStatus } from "./run-seed.ts";
import { fmtMs } from "./format.ts";
import { formatFailure, type FailureFormatOptions } from "./report.ts";
import { formatShard, type Shard } from "./shard.ts";

/** Everything graded for one lab in one run. */
export interface LabReport {
  lab: string;
  title: string;
  /** Part letter -> title. */
  parts: Record<string, string>;
  /** The --impl value graded. */
  impl: string;
  results: ScenarioResult[];
  wallMs: number;
  /** Seeds used when they were not the defaults (--seed, --seeds, --explore). */
  seeds?: number[];
  /** The part of a sharded run this report holds (`report merge` joins the shards). */
  shard?: Shard;
}

export function labReport(
  lab: LabGrader,
  impl: string,
  results: ScenarioResult[],
  wallMs: number,
  seeds?: number[],
  shard?: Shard,
): LabReport {
  return {
    lab: lab.lab,
    title: lab.title,
    parts: { ...lab.parts },
    impl,
    results,
    wallMs,
    ...(seeds ? { seeds } : {}),
    ...(shard ? { shard } : {}),
  };
}

/** "4 min 12 s" for long spans, fmtMs below a minute. */
export function fmtDuration(ms: number): string {
  if (!(ms >= 60_000)) return fmtMs(Math.round(ms * 10) / 10);
  const m = Math.floor(ms / 60_000);
  if (m >= 120) return `${(ms / 3_600_000).toFixed(1)} h`;
  const s = Math.round((ms - m * 60_000) / 1000);
  return s > 0 ? `${m} min ${s} s` : `${m} min`;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
const SYMBOL: Record<ScenarioResult["status"], [string, string]> = {
  pass: ["✓", "32"],
  fail: ["✗", "31"],
  "not-started": ["○", "33"],
  error: ["!", "31"],
};

/** An implementation that does not load: one message for the whole lab. */
export function formatLoadError(r: ScenarioResult): string {
  const f = r.firstFailure?.failure;
  const stack = f?.stack
    ? `\n${f.stack
        .split("\n")
        .slice(1)
        .map((l) => `  ${l.trim()}`)
        .join("\n")}`
    : "";
  return `! ${r.lab}: ${f?.message ?? "your code does not load"}${stack}\n  no test of ${r.lab} ran; fix this first, then grade again`;
}

function statusWord(r: ScenarioResult): string {
  if (r.status === "not-started") return "not started";
  if (r.status === "error") return "does not load";
  const failed = r.seeds.filter((s) => s.status !== "pass").length;
  if (r.status === "pass") return `${r.seeds.length} seed${r.seeds.length === 1 ? "" : "s"}`;
  if (r.nondeterminism && failed === 0) return "not deterministic";
  const timeouts = r.seeds.filter((s) => s.status === "timeout").length;
  return `${failed}/${r.seeds.length} seeds failed${r.notRun ? `, ${r.notRun} not run` : ""}${timeouts ? ` (${timeouts} stopped by the watchdog)` : ""}`;
}

/**
 * The test to work on next: the first one not passed in part order (A before B), required tests
 * before bonus ones, so a failing part A comes before a not-started part B.
 */
export function nextStep(rep: LabReport): ScenarioResult | undefined {
  const order = [...rep.results]
    .map((r, i) => ({ r, i }))
    .sort((a, b) => Number(a.r.bonus) - Number(b.r.bonus) || a.r.part.localeCompare(b.r.part) || a.i - b.i);
  return order.find(({ r }) => r.status !== "pass" && r.points > 0)?.r ?? order.find(({ r }) => r.status !== "pass")?.r;
}

export interface TableOptions {
  color?: boolean;
}

/** The score table of one lab: a block per part, a row per test, the total with times. */
export function formatLabTable(rep: LabReport, opts: TableOptions = {}): string {
  const color = opts.color ?? false;
  const total = tally(rep.results);
  const { earned, possible } = total;
  const virtualMs = rep.results.reduce((a, r) => a + r.virtualMs, 0);
  // Names are never cut (a learner copies them into --only); the status column fits its longest entry.
  const nameW = Math.max(20, ...rep.results.map((r) => r.name.length + 2));
  const statusW = Math.max(18, ...rep.results.map((r) => statusWord(r).length + 1));
  const lines: string[] = [];
  const impl = rep.impl === "stub" ? "" : `  [impl ${rep.impl}]`;
  const seeds = rep.seeds
    ? `  [seeds ${rep.seeds.length > 8 ? `${rep.seeds.slice(0, 8).join(", ")}, …` : rep.seeds.join(", ")}]`
    : "";
  const shard = rep.shard ? `  [shard ${formatShard(rep.shard)}]` : "";
  lines.push(paint(color, "1", `${rep.lab} — ${rep.title}`) + impl + seeds + shard);
  const parts = [...new Set(rep.results.map((r) => r.part))].sort();
  for (const p of parts) {
    const rs = rep.results.filter((r) => r.part === p);
    const { earned: pe, possible: pp, bonus: partBonus } = partPoints(rs);
    const title = `  Part ${p}: ${rep.parts[p] ?? ""}`;
    // A part worth no points (real processes, shown for practice) says so instead of "0/0".
    const partPts =
      pp === 0 && !partBonus
        ? "ungraded"
        : `${String(pe).padStart(4)}/${String(pp).padEnd(4)}${partBonus ? " bonus" : ""}`;
    lines.push(paint(color, "1", title.padEnd(nameW + 6)) + partPts);
    for (const r of rs) {
      const [sym, code] = SYMBOL[r.status];
      const pts =
        r.points === 0
          ? `${"-".padStart(4)} ${"".padEnd(4)}`
          : `${String(r.earned).padStart(4)}/${String(r.points).padEnd(4)}`;
      const hidden = `${r.hidden ? " (hidden)" : ""}${r.bonus ? " (bonus)" : ""}`;
      lines.push(
        `    ${paint(color, code, sym)} ${r.name.padEnd(nameW)}${pts} ${statusWord(r).padEnd(statusW)} ${(r.virtualMs > 0 ? fmtDuration(r.virtualMs) : "-").padStart(10)} virtual ${fmtDuration(r.wallMs).padStart(8)} wall${hidden}`,
      );
    }
  }
  const pct = possible > 0 ? Math.round((earned / possible) * 1000) / 10 : 100;
  const totalColor = earned === possible ? "1;32" : earned === 0 ? "1;31" : "1;33";
  lines.push(
    `  ${paint(color, "1", "Total".padEnd(nameW + 4))}${paint(color, totalColor, `${String(earned).padStart(4)}/${String(possible).padEnd(4)}`)} ${`${pct}%`.padEnd(statusW)} ${fmtDuration(virtualMs).padStart(10)} virtual ${fmtDuration(rep.wallMs).padStart(8)} wall`,
  );
  if (total.bonusPossible > 0)
    lines.push(
      `  ${"Bonus".padEnd(nameW + 4)}${`+${total.bonusEarned}`.padStart(4)}/${String(total.bonusPossible).padEnd(4)} on top of the total`,
    );
  return lines.join("\n");
}

export interface TerminalReporterOptions extends FailureFormatOptions {
  /** Where the report goes (default process.stdout). */
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where the progress line goes (default process.stderr); shown only when it is a terminal. */
  progress?: (NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) | false;
  /** Print the failure reports (default true). */
  failures?: boolean;
}

/** Prints failures as they happen, a progress line on a terminal, and the table at the end. */
export class TerminalReporter {
  private readonly out: NodeJS.WritableStream;
  private readonly prog: (NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) | undefined;
  private readonly opts: TerminalReporterOptions;
  private lab = "";
  private scenario = "";
  private index = 0;
  private total = 0;
  private seedsDone = 0;
  private seedsTotal = 0;
  private progressShown = false;
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(opts: TerminalReporterOptions = {}) {
    this.opts = opts;
    this.out = opts.out ?? process.stdout;
    const p = opts.progress === undefined ? process.stderr : opts.progress;
    this.prog = p !== false && p?.isTTY ? p : undefined;
  }

  private write(s: string): void {
    this.clearProgress();
    this.out.write(s);
  }

  private clearProgress(): void {
    if (this.prog && this.progressShown) {
      this.prog.write("\r\x1b[2K");
      this.progressShown = false;
    }
  }

  private drawProgress(force = false): void {
    if (!this.prog) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 80) return;
    this.lastDraw = now;
    const width = Math.max(40, (this.prog.columns || 100) - 1);
    const frac =
      this.total > 0 ? (this.index + (this.seedsTotal > 0 ? this.seedsDone / this.seedsTotal : 0)) / this.total : 0;
    const barW = 20;
    const filled = Math.round(frac * barW);
    const bar = `[${"#".repeat(filled)}${".".repeat(barW - filled)}]`;
    const secs = ((now - this.started) / 1000).toFixed(0);
    const text = `${bar} ${this.lab} ${Math.min(this.index + 1, this.total)}/${this.total} "${this.scenario}" seeds ${this.seedsDone}/${this.seedsTotal} · ${secs} s`;
    this.prog.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.progressShown = true;
  }

  labStart(lab: string): void {
    this.lab = lab;
  }

  scenarioStart(s: Scenario, index: number, total: number, seeds: number): void {
    this.scenario = s.name;
    this.index = index;
    this.total = total;
    this.seedsDone = 0;
    this.seedsTotal = seeds;
    this.drawProgress(true);
  }

  seedDone(_r: SeedResult): void {
    this.seedsDone++;
    this.drawProgress();
  }

  private notStarted: ScenarioResult[] = [];
  /** Labs whose "does not load" was already printed: it is one problem, not one per test. */
  private loadErrorShown = new Set<string>();

  result(r: ScenarioResult): void {
    if (!(this.opts.failures ?? true)) return;
    // Tests not started yet are listed in the table; the first one's hint is shown at the end.
    if (r.status === "not-started") this.notStarted.push(r);
    else if (r.status === "error") {
      if (this.loadErrorShown.has(r.lab)) return;
      this.loadErrorShown.add(r.lab);
      this.write(`${formatLoadError(r)}\n\n`);
    } else if (r.status !== "pass") this.write(`${formatFailure(r, this.opts)}\n\n`);
    else if (shownBlocks(r).length > 0) {
      const head = paint(this.opts.color ?? false, "32", "✓");
      this.write(`${head} ${r.lab} ${r.part} "${r.name}":\n${indentBlocks(shownBlocks(r))}\n\n`);
    }
  }

  /** A line of text (explored seeds, notices). */
  note(text: string): void {
    this.write(`${text}\n`);
  }

  labDone(rep: LabReport): void {
    this.write(`${formatLabTable(rep, { color: this.opts.color ?? false })}\n\n`);
    const ns = this.notStarted.filter((r) => r.lab === rep.lab);
    this.notStarted = this.notStarted.filter((r) => r.lab !== rep.lab);
    const next = nextStep(rep);
    if (!next || !(this.opts.failures ?? true)) return;
    const c = this.opts.color ?? false;
    const name = paint(c, "1", `${next.part} "${next.name}"`);
    const started =
      ns.length > 0
        ? `${paint(c, "33", "○")} ${ns.length === 1 ? "1 test is" : `${ns.length} tests are`} not started yet. `
        : "";
    if (next.status === "not-started") {
      const why = next.firstFailure?.failure?.message;
      this.write(
        `${started}Next: ${name}${why ? `\n  ${why}` : ""}\n  hint: ${next.hint}\n  (more: pnpm faultline hint ${rep.lab})\n\n`,
      );
    } else if (next.status !== "error") {
      this.write(
        `${started}Next: ${name}, the first failing test (its report is above)${next.replay ? `\n  replay: ${next.replay}` : ""}\n  (a hint: pnpm faultline hint ${rep.lab})\n\n`,
      );
    }
  }

  /** The total over several labs. */
  summary(reports: readonly LabReport[]): void {
    if (reports.length < 2) {
      this.clearProgress();
      return;
    }
    const all = formatTally(tally(reports.flatMap((rep) => rep.results)));
    this.write(
      `${paint(this.opts.color ?? false, "1", "All labs")}: ${all} (${reports.map((rep) => `${rep.lab} ${formatTally(tally(rep.results))}`).join(", ")}), wall ${fmtDuration(Date.now() - this.started)}\n`,
    );
  }

  close(): void {
    this.clearProgress();
  }
}

// ------------------------------------------------------------------ machine formats

export type MachineFormat = "gradescope" | "junit" | "json";
export const MACHINE_FORMATS: readonly MachineFormat[] = ["gradescope", "junit", "json"];

export interface MachineFormatOptions {
  /** Gradescope visibility of hidden tests (default "after_published"). */
  hiddenVisibility?: "after_published" | "hidden" | "after_due_date";
  /** Trace paths in outputs are relative to this folder. */
  cwd?: string;
}

const ANSI_RE = /\x1b\[[0-9;]*[A-Za-z]/g;

function plain(s: string): string {
  return s.replace(ANSI_RE, "");
}

/** A test's output in Gradescope: a lab that does not load says so once, at the top, not in every test. */
function gradescopeTestOutput(r: ScenarioResult, cwd?: string): string {
  if (r.status === "error")
    return `not graded: ${r.lab} did not load or could not be graded (the message is at the top of this page)`;
  return testOutput(r, cwd);
}

/** What the grader showed for a test (ScenarioContext.show): the first seed that showed anything. */
function shownBlocks(r: ScenarioResult): string[] {
  return r.seeds.find((s) => s.shown && s.shown.length > 0)?.shown ?? [];
}

function indentBlocks(blocks: readonly string[]): string {
  return blocks.map((b) => b.replace(/^/gm, "  ")).join("\n\n");
}

function testOutput(r: ScenarioResult, cwd?: string): string {
  if (r.status === "pass") {
    const shown = shownBlocks(r);
    return `passed on ${r.seeds.length} seed${r.seeds.length === 1 ? "" : "s"} (virtual ${fmtDuration(r.virtualMs)}, wall ${fmtDuration(r.wallMs)})${shown.length > 0 ? `\n${indentBlocks(shown)}` : ""}`;
  }
  if (r.status === "error") return formatLoadError(r);
  return plain(formatFailure(r, cwd === undefined ? {} : { cwd }));
}

/** Gradescope autograder results.json. */
export function toGradescope(reports: readonly LabReport[], opts: MachineFormatOptions = {}): string {
  const tests = reports.flatMap((rep) =>
    rep.results.map((r) => ({
      name: `${rep.lab} ${r.part}: ${r.name}`,
      score: r.earned,
      // Gradescope counts a score above max_score as extra credit.
      max_score: r.bonus ? 0 : r.points,
      status: r.status === "pass" ? "passed" : "failed",
      output: `${r.bonus ? `bonus test worth ${r.points} extra points\n` : ""}${gradescopeTestOutput(r, opts.cwd)}`,
      tags: [rep.lab, `part ${r.part}`, ...(r.bonus ? ["bonus"] : [])],
      visibility: r.hidden ? (opts.hiddenVisibility ?? "after_published") : "visible",
    })),
  );
  const score = tests.reduce((a, t) => a + t.score, 0);
  const max = tests.reduce((a, t) => a + t.max_score, 0);
  const wall = reports.reduce((a, r) => a + r.wallMs, 0);
  const output = reports
    .map((rep) => {
      const broken = rep.results.find((r) => r.status === "error");
      return `${rep.lab}: ${formatTally(tally(rep.results))}${broken ? `\n${formatLoadError(broken)}` : ""}`;
    })
    .join("\n");
  return `${JSON.stringify({ score, max_score: max, execution_time: Math.round(wall / 100) / 10, output, visibility: "visible", stdout_visibility: "hidden", tests }, null, 2)}\n`;
}

/** Text safe inside XML 1.0 (escaped, no control characters). */
export function xmlEscape(s: string): string {
  return plain(s)
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** JUnit XML: a testsuite per lab, a testcase per test (class name "<lab>.<part>"). */
export function toJUnit(reports: readonly LabReport[], opts: MachineFormatOptions = {}): string {
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const count = (rs: readonly ScenarioResult[]) => ({
    tests: rs.length,
    failures: rs.filter((r) => r.status !== "pass").length,
  });
  const all = reports.flatMap((r) => r.results);
  const total = count(all);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="faultline" tests="${total.tests}" failures="${total.failures}" errors="0" skipped="0" time="${secs(reports.reduce((a, r) => a + r.wallMs, 0))}">`,
  );
  for (const rep of reports) {
    const c = count(rep.results);
    const score = formatTally(tally(rep.results));
    out.push(
      `  <testsuite name="${xmlEscape(rep.lab)}" tests="${c.tests}" failures="${c.failures}" errors="0" skipped="0" time="${secs(rep.wallMs)}">`,
    );
    out.push("    <properties>");
    out.push(`      <property name="title" value="${xmlEscape(rep.title)}"/>`);
    out.push(`      <property name="impl" value="${xmlEscape(rep.impl)}"/>`);
    out.push(`      <property name="score" value="${xmlEscape(score)}"/>`);
    out.push("    </properties>");
    for (const r of rep.results) {
      out.push(
        `    <testcase classname="${xmlEscape(`${rep.lab}.${r.part}`)}" name="${xmlEscape(r.name)}" time="${secs(r.wallMs)}">`,
      );
      if (r.status !== "pass") {
        const f = r.firstFailure?.failure;
        const message =
          r.status === "not-started"
            ? "not started"
            : f
              ? `${f.invariant}: ${f.message}`
              : r.nondeterminism
                ? "not deterministic"
                : "failed";
        const element = r.status === "error" ? "error" : "failure";
        out.push(
          `      <${element} type="${r.status}" message="${xmlEscape(message)}">${xmlEscape(testOutput(r, opts.cwd))}</${element}>`,
        );
      }
      out.push(
        `      <system-out>${xmlEscape(`points ${r.earned}/${r.points}${r.hidden ? " (hidden test)" : ""}${r.bonus ? " (bonus)" : ""}`)}</system-out>`,
      );
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}

/** The run as JSON (stable field names; trace events left out). */
/** What `toJson` writes for one seed, one test and one lab (what `faultline report merge` reads back). */
export interface JsonSeed {
  seed: number;
  status: SeedStatus;
  virtualMs: number;
  wallMs: number;
  events: number;
  traceHash: string;
  metrics?: Metric[];
  /** Blocks the grader showed (ScenarioContext.show). */
  shown?: string[];
}
export interface JsonTest {
  part: string;
  name: string;
  points: number;
  earned: number;
  status: ScenarioStatus;
  hidden: boolean;
  bonus: boolean;
  wallMs: number;
  virtualMs: number;
  firstFailure?: { seed: number; status: SeedStatus; failure?: FailureInfo; traceFiles: string[]; nodeLogs?: string[] };
  replay?: string;
  nondeterminism?: { seed: number; detail: string; replay?: string };
  hint: string;
  seeds: JsonSeed[];
  report?: string;
}
export interface JsonLab {
  lab: string;
  title: string;
  impl: string;
  wallMs: number;
  seeds?: number[];
  shard?: string;
  parts: Array<{ part: string; title: string }>;
  tests: JsonTest[];
}

export function toJson(reports: readonly LabReport[], opts: MachineFormatOptions = {}): string {
  const labs = reports.map((rep): JsonLab & Record<string, unknown> => {
    const parts = [...new Set(rep.results.map((r) => r.part))].sort().map((p) => {
      const rs = rep.results.filter((r) => r.part === p);
      return { part: p, title: rep.parts[p] ?? "", ...tally(rs) };
    });
    return {
      lab: rep.lab,
      title: rep.title,
      impl: rep.impl,
      ...tally(rep.results),
      wallMs: rep.wallMs,
      virtualMs: rep.results.reduce((a, r) => a + r.virtualMs, 0),
      ...(rep.seeds ? { seeds: rep.seeds } : {}),
      ...(rep.shard ? { shard: formatShard(rep.shard) } : {}),
      parts,
      tests: rep.results.map(
        (r): JsonTest => ({
          part: r.part,
          name: r.name,
          points: r.points,
          earned: r.earned,
          status: r.status,
          hidden: r.hidden,
          bonus: r.bonus,
          wallMs: r.wallMs,
          virtualMs: r.virtualMs,
          ...(r.firstFailure
            ? {
                firstFailure: {
                  seed: r.firstFailure.seed,
                  status: r.firstFailure.status,
                  ...(r.firstFailure.failure ? { failure: r.firstFailure.failure } : {}),
                  traceFiles: r.firstFailure.traceFiles,
                  ...(r.firstFailure.nodeLogs?.length ? { nodeLogs: r.firstFailure.nodeLogs } : {}),
                },
              }
            : {}),
          ...(r.replay ? { replay: r.replay } : {}),
          ...(r.nondeterminism ? { nondeterminism: r.nondeterminism } : {}),
          hint: r.hint,
          seeds: r.seeds.map(
            (s): JsonSeed => ({
              seed: s.seed,
              status: s.status,
              virtualMs: s.virtualMs,
              wallMs: s.wallMs,
              events: s.events,
              traceHash: s.traceHash,
              ...(s.metrics.length ? { metrics: s.metrics } : {}),
              ...(s.shown?.length ? { shown: s.shown } : {}),
            }),
          ),
          ...(r.status !== "pass" ? { report: testOutput(r, opts.cwd) } : {}),
        }),
      ),
    };
  });
  return `${JSON.stringify({ format: "faultline-grades/1", ...tally(reports.flatMap((rep) => rep.results)), labs }, null, 2)}\n`;
}

export function renderMachineFormat(
  format: MachineFormat,
  reports: readonly LabReport[],
  opts: MachineFormatOptions = {},
): string {
  return format === "gradescope"
    ? toGradescope(reports, opts)
    : format === "junit"
      ? toJUnit(reports, opts)
      : toJson(reports, opts);
}
