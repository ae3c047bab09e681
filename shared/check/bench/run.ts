/**
 * Linearizability checker speed on Porcupine's public histories, against the Go checker's
 * figures recorded in data/porcupine/VERDICTS.md (same kind of machine).
 *
 * Parsing is outside the timed region (as in Porcupine's benchmarks, which time the check of
 * already-built events). Each file is checked once to warm up, then REPEATS times; the table
 * shows the median. The check runs with explain off (Porcupine's CheckEvents computes no
 * partial linearizations) and, for the totals, with explain on as well.
 *
 *   pnpm --filter @faultline/check bench             all files
 *   pnpm --filter @faultline/check bench -- --quick   one repeat, no unpartitioned c10
 *   pnpm --filter @faultline/check bench -- --brief   hide etcd files under 1 ms
 */
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkLinearizability, type CheckOptions, type LinearizabilityResult } from "../src/linearizability.ts";
import { casRegisterModel } from "../src/models/register.ts";
import { kvModel, kvWholeModel } from "../src/models/kv.ts";
import { parseJepsenLog } from "../src/parse/jepsen.ts";
import { parsePorcupineKv } from "../src/parse/porcupine-kv.ts";
import { readVerdicts } from "../test/verdicts.ts";
import type { AnyModel } from "../src/model.ts";
import type { Operation } from "../src/history.ts";

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, "..", "data", "porcupine");
const quick = process.argv.includes("--quick");
const REPEATS = quick ? 1 : 7;

interface Case {
  readonly name: string;
  readonly model: AnyModel;
  readonly ops: readonly Operation<unknown, unknown>[];
  readonly options: CheckOptions;
  readonly expected: boolean;
  readonly goMs: number | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function time(c: Case, explain: boolean): { ms: number; cpuMs: number; result: LinearizabilityResult } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = checkLinearizability(c.model, c.ops, { ...c.options, explain });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, result };
}

/** Median wall time and median process CPU time (all threads, GC included) of REPEATS runs. */
function measure(c: Case, explain: boolean): { ms: number; cpuMs: number; result: LinearizabilityResult } {
  const first = time(c, explain); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t = time(c, explain);
    wall.push(t.ms);
    cpu.push(t.cpuMs);
  }
  return { ms: median(wall), cpuMs: median(cpu), result: first.result };
}

const verdicts = readVerdicts(readFileSync(join(dataDir, "VERDICTS.md"), "utf8"));
const parseStart = performance.now();
const etcdCases: Case[] = readdirSync(join(dataDir, "jepsen"))
  .filter((f) => f.endsWith(".log"))
  .sort()
  .flatMap((f) => {
    const v = verdicts.etcd.get(f);
    if (v === undefined) return []; // etcd_095: empty, no verdict
    const ops = parseJepsenLog(readFileSync(join(dataDir, "jepsen", f), "utf8"), f);
    return [{ name: f, model: casRegisterModel, ops, options: {}, expected: v.linearizable, goMs: v.goMs }];
  });
const kvCases: Case[] = [...verdicts.kv.entries()].map(([f, v]) => ({
  name: f,
  model: kvModel,
  ops: parsePorcupineKv(readFileSync(join(dataDir, "kv", f), "utf8"), f),
  options: {},
  expected: v.linearizable,
  goMs: v.goMsPartitioned,
}));
const unpartitioned: Case[] = [...verdicts.kv.entries()]
  .filter(([f, v]) => v.goMsUnpartitioned !== null && (f.startsWith("c01") || !quick))
  .map(([f, v]) => ({
    name: `${f} (no partition)`,
    model: kvWholeModel,
    ops: parsePorcupineKv(readFileSync(join(dataDir, "kv", f), "utf8"), f),
    options: { partition: false },
    expected: v.linearizable,
    goMs: v.goMsUnpartitioned,
  }));
const parseMs = performance.now() - parseStart;

const pad = (s: string, n: number): string => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : " ".repeat(n - s.length) + s);
const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(3));
let mismatches = 0;

const measured = new Map<string, { ms: number; cpuMs: number }>();

function table(title: string, cases: Case[], showAll: boolean): { ours: number; cpu: number; go: number } {
  console.log(`\n${title}`);
  console.log(
    `${pad("file", 28)} ${lpad("ops", 5)} ${pad("verdict", 17)} ${lpad("steps", 9)} ${lpad("ms", 9)} ${lpad("cpu ms", 9)} ${lpad("Go ms", 9)} ${lpad("ratio", 6)}`,
  );
  let ours = 0;
  let cpuTotal = 0;
  let go = 0;
  const rows: string[] = [];
  for (const c of cases) {
    const { ms, cpuMs, result } = measure(c, false);
    cpuTotal += cpuMs;
    const ok = (result.verdict === "linearizable") === c.expected && result.verdict !== "unknown";
    if (!ok) mismatches++;
    measured.set(c.name, { ms, cpuMs });
    ours += ms;
    go += c.goMs ?? 0;
    const ratio = c.goMs ? (ms / c.goMs).toFixed(2) : "-";
    const line = `${pad(c.name, 28)} ${lpad(String(c.ops.length), 5)} ${pad(result.verdict + (ok ? "" : " (WRONG)"), 17)} ${lpad(String(result.stats.steps), 9)} ${lpad(fmt(ms), 9)} ${lpad(fmt(cpuMs), 9)} ${lpad(c.goMs === null ? "-" : fmt(c.goMs), 9)} ${lpad(ratio, 6)}`;
    if (showAll || ms > 1 || !ok) rows.push(line);
  }
  for (const r of rows) console.log(r);
  if (!showAll) console.log(`(${cases.length - rows.length} files under 1 ms not shown)`);
  console.log(
    `${pad("TOTAL", 28)} ${lpad("", 5)} ${pad("", 17)} ${lpad("", 9)} ${lpad(fmt(ours), 9)} ${lpad(fmt(cpuTotal), 9)} ${lpad(fmt(go), 9)} ${lpad((ours / go).toFixed(2), 6)}`,
  );
  return { ours, cpu: cpuTotal, go };
}

console.log(
  `faultline linearizability bench (node ${process.version}, ${REPEATS} timed runs after 1 warm-up, median per file; explain off)`,
);
console.log(
  `load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(
      " ",
    )} on ${os.availableParallelism()} CPUs: wall times are only comparable on an idle machine; "cpu ms" is this process's CPU time (GC threads included)`,
);
console.log(`parsing all ${etcdCases.length + kvCases.length} files: ${parseMs.toFixed(1)} ms (not included below)`);
const etcd = table(
  `etcd (Jepsen CAS register), ${etcdCases.length} histories`,
  etcdCases,
  !process.argv.includes("--brief"),
);
const kv = table("kv (Porcupine EDN), per-key partitioning", kvCases, true);
const kvWhole = table("kv without partitioning", unpartitioned, true);

let explainTotal = 0;
for (const c of etcdCases) explainTotal += measure(c, true).ms;
const c50 = kvCases.find((c) => c.name === "c50-ok.txt");
const c50Explain = c50 ? measure(c50, true).ms : Number.NaN;

console.log("\nSummary");
console.log(
  `  etcd total:               ${fmt(etcd.ours)} ms wall, ${fmt(etcd.cpu)} ms CPU (Go ${fmt(etcd.go)} ms; target <= 580 ms)`,
);
console.log(`  etcd total, explain on:   ${fmt(explainTotal)} ms`);
const c50m = measured.get("c50-ok.txt");
console.log(
  `  c50-ok partitioned:       ${fmt(c50m?.ms ?? Number.NaN)} ms wall, ${fmt(c50m?.cpuMs ?? Number.NaN)} ms CPU (Go 192 ms; target <= 192 ms); explain on: ${fmt(c50Explain)} ms`,
);
console.log(`  kv total (partitioned):   ${fmt(kv.ours)} ms (Go ${fmt(kv.go)} ms)`);
console.log(`  kv total (no partition):  ${fmt(kvWhole.ours)} ms (Go ${fmt(kvWhole.go)} ms)`);
console.log(
  `  verdicts matching:        ${etcdCases.length + kvCases.length + unpartitioned.length - mismatches}/${etcdCases.length + kvCases.length + unpartitioned.length}`,
);
console.log(`  peak RSS:                 ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
if (mismatches > 0) process.exitCode = 1;
