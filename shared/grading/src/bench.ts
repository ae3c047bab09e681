/**
 * Grader benchmark: grade a lab against its reference with the default seeds and print wall
 * time, virtual time simulated per wall second and peak memory. Used by each grader's
 * `pnpm bench` script.
 */
import { fileURLToPath } from "node:url";
import { loadGrader, runSeed } from "./run-seed.ts";
import { bundleFor } from "./isolation/prepare.ts";
import { formatTally, gradeLab, tally, traceDirFor, type ScenarioResult } from "./grade.ts";
import { WorkerPool } from "./pool.ts";
import { fmtMs } from "./format.ts";

export async function benchGrader(
  graderModule: URL | string,
  impl = "reference",
  opts: { parts?: string[] } = {},
): Promise<{ wallMs: number; virtualMs: number; score: string; results: ScenarioResult[] }> {
  const path = typeof graderModule === "string" ? graderModule : fileURLToPath(graderModule);
  const lab = await loadGrader(path);
  const pool = new WorkerPool();
  const started = Date.now();
  try {
    const results = await gradeLab(lab, path, { impl, pool, ...(opts.parts ? { parts: opts.parts } : {}) });
    const wallMs = Date.now() - started;
    const virtualMs = results.reduce((a, r) => a + r.virtualMs, 0);
    const seeds = results.reduce((a, r) => a + r.seeds.length, 0);
    const which = opts.parts ? ` (parts ${opts.parts.join(", ")})` : "";
    console.log(
      `${lab.lab} grader${which} against ${impl}: ${results.length} scenarios, ${seeds} seed runs, ${pool.size} workers`,
    );
    console.log(`  score            ${formatTally(tally(results))}`);
    console.log(`  wall time        ${fmtMs(wallMs)}`);
    console.log(
      `  virtual time     ${fmtMs(virtualMs)} (${(virtualMs / Math.max(1, wallMs)).toFixed(1)} virtual s per wall s)`,
    );
    console.log(
      `  peak RSS         ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (this process and its worker threads)`,
    );
    const slow = [...results].sort((a, b) => b.wallMs - a.wallMs).slice(0, 5);
    console.log(`  slowest          ${slow.map((r) => `"${r.name}" ${fmtMs(r.wallMs)}`).join(", ")}`);
    return { wallMs, virtualMs, score: formatTally(tally(results)), results };
  } finally {
    await pool.close();
  }
}

/**
 * What the isolated runtime costs on a lab's simulated tests: each seed run in this process
 * twice, once with the implementation imported as a module and once bundled into one
 * `node:vm` context per node, interleaved (so both see the same machine load), best CPU time
 * of `rounds` each. CPU seconds, not wall time: the figure is about work, not parallelism.
 */
export async function benchIsolationCost(
  graderModule: URL | string,
  opts: { seeds?: number; rounds?: number; impl?: string } = {},
): Promise<{ moduleCpuS: number; contextCpuS: number }> {
  const path = typeof graderModule === "string" ? graderModule : fileURLToPath(graderModule);
  const lab = await loadGrader(path);
  const impl = opts.impl ?? "reference";
  const seeds = opts.seeds ?? 1;
  const rounds = opts.rounds ?? 2;
  const bundle = await bundleFor(lab, impl);
  if (!bundle) throw new Error(`${lab.lab} is not graded in contexts`);
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const run = async (scenario: string, inContexts: boolean) => {
    const c0 = cpu();
    for (let seed = 1; seed <= seeds; seed++) {
      const r = await runSeed({
        lab: lab.lab,
        graderModule: path,
        scenario,
        seed,
        impl,
        trace: false,
        traceDir: traceDirFor(lab.lab),
        returnTraces: true,
        ...(inContexts ? { bundle } : {}),
      });
      if (r.status !== "pass")
        throw new Error(
          `${scenario} seed ${seed} ${inContexts ? "in contexts" : "as a module"}: ${r.status} ${r.failure?.message ?? ""}`,
        );
    }
    return cpu() - c0;
  };
  let moduleCpuS = 0;
  let contextCpuS = 0;
  const rows: string[] = [];
  for (const s of lab.scenarios) {
    if ((s.isolation ?? lab.isolation ?? "context") !== "context") continue;
    let asModule = Infinity;
    let inContexts = Infinity;
    for (let r = 0; r < rounds; r++) {
      asModule = Math.min(asModule, await run(s.name, false));
      inContexts = Math.min(inContexts, await run(s.name, true));
    }
    moduleCpuS += asModule;
    contextCpuS += inContexts;
    rows.push(
      `    ${asModule.toFixed(2).padStart(6)} ${inContexts.toFixed(2).padStart(6)} ${(inContexts / Math.max(1e-3, asModule)).toFixed(1).padStart(5)}x  ${s.name}`,
    );
  }
  console.log(
    `${lab.lab}: CPU seconds of the simulated tests (${seeds} seed${seeds === 1 ? "" : "s"} each, best of ${rounds}), implementation as a module vs in one vm context per node`,
  );
  for (const r of rows) console.log(r);
  console.log(
    `    ${moduleCpuS.toFixed(2).padStart(6)} ${contextCpuS.toFixed(2).padStart(6)} ${(contextCpuS / Math.max(1e-3, moduleCpuS)).toFixed(2).padStart(5)}x  all (isolation costs ${((contextCpuS / Math.max(1e-3, moduleCpuS) - 1) * 100).toFixed(0)}% more CPU)`,
  );
  return { moduleCpuS, contextCpuS };
}
