/**
 * Grader benchmark: grade a lab against its reference with the default seeds and print wall
 * time, virtual time simulated per wall second and peak memory. Used by each grader's
 * `pnpm bench` script.
 */
import { fileURLToPath } from "node:url";
import { loadGrader } from "./run-seed.ts";
import { formatTally, gradeLab, tally, type ScenarioResult } from "./grade.ts";
import { WorkerPool } from "./pool.ts";
import { fmtMs } from "./format.ts";

export async function benchGrader(graderModule: URL | string, impl = "reference"): Promise<{ wallMs: number; virtualMs: number; score: string; results: ScenarioResult[] }> {
  const path = typeof graderModule === "string" ? graderModule : fileURLToPath(graderModule);
  const lab = await loadGrader(path);
  const pool = new WorkerPool();
  const started = Date.now();
  try {
    const results = await gradeLab(lab, path, { impl, pool });
    const wallMs = Date.now() - started;
    const virtualMs = results.reduce((a, r) => a + r.virtualMs, 0);
    const seeds = results.reduce((a, r) => a + r.seeds.length, 0);
    console.log(`${lab.lab} grader against ${impl}: ${results.length} scenarios, ${seeds} seed runs, ${pool.size} workers`);
    console.log(`  score            ${formatTally(tally(results))}`);
    console.log(`  wall time        ${fmtMs(wallMs)}`);
    console.log(`  virtual time     ${fmtMs(virtualMs)} (${(virtualMs / Math.max(1, wallMs)).toFixed(1)} virtual s per wall s)`);
    console.log(`  peak RSS         ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (this process and its worker threads)`);
    const slow = [...results].sort((a, b) => b.wallMs - a.wallMs).slice(0, 5);
    console.log(`  slowest          ${slow.map((r) => `"${r.name}" ${fmtMs(r.wallMs)}`).join(", ")}`);
    return { wallMs, virtualMs, score: formatTally(tally(results)), results };
  } finally {
    await pool.close();
  }
}
