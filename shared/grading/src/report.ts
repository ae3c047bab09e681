/** The failure report a learner reads: what broke, where, when, how to replay it, a hint. */
import { isAbsolute, relative } from "node:path";
import type { ScenarioResult } from "./grade.ts";
import { fmtMs } from "./format.ts";
import { notRunNote } from "./learner.ts";
import type { SeedResult } from "./run-seed.ts";
import type { SeedTimeoutKind } from "./thread-pool.ts";

export interface FailureFormatOptions {
  /** Trace paths are shown relative to this folder (default: the current directory). */
  cwd?: string;
  /** ANSI colors. Default false. */
  color?: boolean;
}

/** A path as a learner would type it from `cwd`. */
export function displayPath(path: string, cwd = process.cwd()): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  // inside cwd: relative (what a learner types); elsewhere: absolute (unambiguous)
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

const c = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** The trace files of a run, the HTML view first, the others as suffixes: "a.html (also .json, .txt)". */
export function formatTraceFiles(files: readonly string[], cwd?: string): string {
  if (files.length === 0) return "";
  const shown = files.map((f) => displayPath(f, cwd));
  const html = shown.find((f) => f.endsWith(".html")) ?? (shown[0] as string);
  const stem = html.replace(/\.html$/, "");
  const others = shown.filter((f) => f !== html).map((f) => (f.startsWith(stem) ? f.slice(stem.length) : f));
  return others.length > 0 ? `${html} (also ${others.join(", ")})` : html;
}

export function formatFailure(r: ScenarioResult, opts: FailureFormatOptions = {}): string {
  const color = opts.color ?? false;
  if (r.status === "pass") return `${c(color, "32", "✓")} ${r.lab} ${r.part} "${r.name}"`;
  const f = r.firstFailure;
  const lines: string[] = [];
  if (r.status === "not-started") {
    lines.push(`${c(color, "33", "○")} ${r.lab} ${r.part} "${r.name}": not started (${f?.failure?.message ?? "stub"})`);
    lines.push(`  hint: ${r.hint}`);
    return lines.join("\n");
  }
  const failed = r.seeds.filter((s) => s.status !== "pass").length;
  const label = (s: string) => c(color, "1", s);
  const head = r.nondeterminism && failed === 0 ? "not deterministic" : `${failed} of ${r.seeds.length} seeds failed`;
  lines.push(`${c(color, "31", "✗")} ${c(color, "1", `${r.lab} ${r.part} "${r.name}"`)}: ${head}`);
  if (f?.failure) {
    const where = [f.failure.node, f.failure.t !== undefined ? `t=${fmtMs(f.failure.t)}` : undefined]
      .filter(Boolean)
      .join(", ");
    const inv = timeoutKind(f) === "watchdog" ? "watchdog (learner code did not return)" : f.failure.invariant;
    lines.push(`  ${label("invariant")}: ${c(color, "31", inv)}${where ? ` (${where})` : ""}`);
    lines.push(`  ${label("what")}: ${f.failure.message}`);
    lines.push(`  ${label("first failing seed")}: ${f.seed}`);
    if (f.failure.stack)
      lines.push(
        `  ${label("stack")}:\n${f.failure.stack
          .split("\n")
          .map((l) => `    ${l.trim()}`)
          .join("\n")}`,
      );
  }
  if (f?.nodeLogs && f.nodeLogs.length > 0)
    lines.push(`  ${label("your nodes logged last")}:\n${f.nodeLogs.map((l) => `    ${l}`).join("\n")}`);
  if (r.nondeterminism) lines.push(`  ${label("non-determinism")}: ${r.nondeterminism.detail}`);
  if (r.replay) lines.push(`  ${label("replay")}: ${c(color, "36", r.replay)}`);
  else if (r.nondeterminism) lines.push(`  ${label("replay")}: ${c(color, "36", r.nondeterminism.replay ?? "")}`);
  if (f && f.traceFiles.length > 0) lines.push(`  ${label("trace")}: ${formatTraceFiles(f.traceFiles, opts.cwd)}`);
  const notRun = notRunNote(r);
  if (notRun) lines.push(`  ${label("not run")}: ${notRun}`);
  lines.push(`  ${label("hint")}: ${causeHint(r) ?? r.hint}`);
  return lines.join("\n");
}

/** Why a seed that timed out was stopped (its failure's invariant names it); undefined for any other seed. */
function timeoutKind(f: SeedResult | undefined): SeedTimeoutKind | undefined {
  return f?.status === "timeout" ? (f.failure?.invariant as SeedTimeoutKind | undefined) : undefined;
}

/**
 * A hint about the cause when the failure is not the test's subject: the watchdog stopped a
 * handler, or the same seed ran two ways. The test's own hint would send the learner after the
 * algorithm instead.
 */
export function causeHint(r: ScenarioResult): string | undefined {
  const kind = timeoutKind(r.firstFailure);
  if (kind !== undefined) {
    if (kind === "test stalled")
      return "this is a defect of the test, not of your code: report it with the replay command above";
    if (kind === "time limit")
      return "your handlers kept returning, but the seed needed more wall time than it has: look for work that multiplies (a message answered with several, a timer set again at every firing, a state that grows with every step)";
    return "a handler of yours did not return, so the watchdog stopped it: look for a loop whose exit depends on something that cannot change while it runs (a message yet to arrive, a timer yet to fire, env.now() advancing); wait with env.setTimer and return instead";
  }
  const failed = r.seeds.some((s) => s.status !== "pass");
  if (r.nondeterminism && !failed) {
    return "one seed gave two different runs: keep all state in the node object (module-level variables outlive a run and leak into the next one), and take randomness and time only from env.random() and env.now()";
  }
  return undefined;
}
