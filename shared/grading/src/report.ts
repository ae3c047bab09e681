/** The failure report a learner reads: what broke, where, when, how to replay it, a hint. */
import type { ScenarioResult } from "./grade.ts";
import { fmtMs } from "./format.ts";

export function formatFailure(r: ScenarioResult): string {
  if (r.status === "pass") return `✓ ${r.lab} ${r.part} "${r.name}"`;
  const f = r.firstFailure;
  const lines: string[] = [];
  if (r.status === "not-started") {
    lines.push(`○ ${r.lab} ${r.part} "${r.name}": not started (${f?.failure?.message ?? "stub"})`);
    lines.push(`  hint: ${r.hint}`);
    return lines.join("\n");
  }
  const failed = r.seeds.filter((s) => s.status !== "pass").length;
  lines.push(`✗ ${r.lab} ${r.part} "${r.name}": ${failed} of ${r.seeds.length} seeds failed`);
  if (f?.failure) {
    const where = [f.failure.node, f.failure.t !== undefined ? `t=${fmtMs(f.failure.t)}` : undefined].filter(Boolean).join(", ");
    lines.push(`  invariant: ${f.failure.invariant}${where ? ` (${where})` : ""}`);
    lines.push(`  what: ${f.failure.message}`);
    lines.push(`  first failing seed: ${f.seed}`);
    if (f.failure.stack) lines.push(`  stack:\n${f.failure.stack.split("\n").map((l) => `    ${l.trim()}`).join("\n")}`);
  }
  if (r.nondeterminism) lines.push(`  non-determinism: ${r.nondeterminism.detail}`);
  if (r.replay) lines.push(`  replay: ${r.replay}`);
  if (f && f.traceFiles.length > 0) lines.push(`  trace: ${f.traceFiles.join(", ")}`);
  lines.push(`  hint: ${r.hint}`);
  return lines.join("\n");
}
