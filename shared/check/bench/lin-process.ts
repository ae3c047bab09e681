/**
 * `faultline lin` on Porcupine's 102 etcd histories as a whole process (start-up, reading,
 * parsing, searching, printing), side by side with Porcupine's Go checker, plus the parsers
 * alone. Prints medians of wall and CPU time (user + system, of the child process and its
 * threads, from /proc: Linux only).
 *
 *   pnpm --filter @faultline/check bench:lin
 *   pnpm --filter @faultline/check bench:lin -- --runs 9 --porcupine <binary> --pnpm
 *
 * --porcupine <binary> (or PORCUPINE_ETCD_BIN): a Go program built from Porcupine's own test code (its etcd model and
 * parseJepsenLog, from porcupine_test.go) with a main that takes `[-parse-only] <file...>`,
 * runs CheckEvents on each file and prints `parse <ms> ms, check <ms> ms, ...` to stderr.
 * Porcupine ships no such binary and none is kept here; without one, the figures recorded in
 * README.md are printed instead. --pnpm adds `pnpm faultline lin` (pnpm's own start-up included).
 */
import { readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseJepsenLog } from "../src/parse/jepsen.ts";
import { readVerdicts } from "../test/verdicts.ts";

const here = dirname(fileURLToPath(import.meta.url));
const checkDir = resolve(here, "..");
const repo = resolve(checkDir, "..", "..");
const dataDir = join(checkDir, "data", "porcupine", "jepsen");

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const RUNS = Number(option("runs") ?? 5);
const porcupine = option("porcupine") ?? process.env.PORCUPINE_ETCD_BIN;

// The 102 histories with a known verdict (etcd_095 is empty and has none), as Porcupine's tests check them.
const verdicts = readVerdicts(readFileSync(join(checkDir, "data", "porcupine", "VERDICTS.md"), "utf8"));
const names = readdirSync(dataDir)
  .filter((f) => verdicts.etcd.has(f))
  .sort();
const files = names.map((f) => join(dataDir, f));
const expectedIllegal = names.filter((f) => !verdicts.etcd.get(f)?.linearizable).length;

/** CPU time of this process's waited-for children so far, in ms (from /proc/self/stat). */
function childrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[13]) + Number(fields[14]); // cutime + cstime
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

interface Run {
  wallMs: number;
  cpuMs: number;
  stdout: string;
  stderr: string;
}

function runOnce(cmd: string, args: readonly string[]): Run {
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: repo,
    encoding: "utf8",
    maxBuffer: 64 << 20,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const wallMs = performance.now() - t0;
  if (r.error) throw r.error;
  return { wallMs, cpuMs: childrenCpuMs() - cpu0, stdout: r.stdout, stderr: r.stderr };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface Contender {
  name: string;
  cmd: string;
  args: string[];
  /** Count of "not linearizable" verdicts in one run's output. */
  illegal: (r: Run) => number;
  wall: number[];
  cpu: number[];
  last?: Run;
}

const ours = (r: Run) => (r.stdout.match(/: not linearizable/g) ?? []).length;
const contenders: Contender[] = [
  {
    name: "faultline lin (node bin/faultline-lin.mjs)",
    cmd: process.execPath,
    args: [join(checkDir, "bin", "faultline-lin.mjs"), "cas-register", ...files],
    illegal: ours,
    wall: [],
    cpu: [],
  },
  {
    name: "faultline lin through the CLI under tsx",
    cmd: process.execPath,
    args: ["--import", "tsx", join(repo, "shared", "cli", "src", "main.ts"), "lin", "cas-register", ...files],
    illegal: ours,
    wall: [],
    cpu: [],
  },
];
if (process.argv.includes("--pnpm"))
  contenders.push({
    name: "pnpm faultline lin",
    cmd: "pnpm",
    args: ["-s", "faultline", "lin", "cas-register", ...files],
    illegal: ours,
    wall: [],
    cpu: [],
  });
if (porcupine)
  contenders.push({
    name: "Porcupine (Go)",
    cmd: resolve(porcupine),
    args: files,
    illegal: (r) => (r.stdout.match(/linearizable=false/g) ?? []).length,
    wall: [],
    cpu: [],
  });

console.log(
  `faultline lin vs Porcupine, whole processes: ${files.length} etcd histories, ${RUNS} runs each (interleaved), medians`,
);
console.log(
  `node ${process.version}, load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")} on ${os.availableParallelism()} CPUs (wall times suffer from other load; CPU times less so)`,
);
// one unmeasured run each: the bundle cache and the file cache warm up
for (const c of contenders) runOnce(c.cmd, c.args);
for (let i = 0; i < RUNS; i++) {
  for (const c of contenders) {
    const r = runOnce(c.cmd, c.args);
    c.wall.push(r.wallMs);
    c.cpu.push(r.cpuMs);
    c.last = r;
  }
}
const pad = (s: string, n: number) => s.padEnd(n);
const num = (x: number) => x.toFixed(0).padStart(8);
console.log(`\n${pad("process", 46)} ${"wall ms".padStart(8)} ${"cpu ms".padStart(8)}  verdicts`);
for (const c of contenders) {
  const bad = c.last ? c.illegal(c.last) : -1;
  console.log(
    `${pad(c.name, 46)} ${num(median(c.wall))} ${num(median(c.cpu))}  ${bad} not linearizable${bad === expectedIllegal ? "" : ` (expected ${expectedIllegal}: WRONG)`}`,
  );
}

// The parsers alone: ours in this process (reading included; the first run is cold, as in a
// fresh process), Porcupine's as its own process reports it (a fresh process each time).
function parseAll(): { wallMs: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const f of files) parseJepsenLog(readFileSync(f, "utf8"), f);
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}
const cold = parseAll();
const warm = Array.from({ length: RUNS }, parseAll);
console.log(`\nparsing all ${files.length} files (reading included)`);
console.log(
  `${pad("faultline parseJepsenLog", 46)} first run ${cold.wallMs.toFixed(1)} ms wall ${cold.cpuMs.toFixed(1)} ms CPU; then median ${median(warm.map((w) => w.wallMs)).toFixed(1)} ms wall ${median(warm.map((w) => w.cpuMs)).toFixed(1)} ms CPU`,
);
if (porcupine) {
  const goParse: number[] = [];
  const goCpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = runOnce(resolve(porcupine), ["-parse-only", ...files]);
    const m = /parse ([\d.]+) ms/.exec(r.stderr);
    if (m) goParse.push(Number(m[1]));
    goCpu.push(r.cpuMs);
  }
  console.log(
    `${pad("Porcupine parseJepsenLog (Go)", 46)} median ${goParse.length ? goParse.length && median(goParse).toFixed(1) : "?"} ms wall in its process; whole parse-only process ${median(goCpu).toFixed(0)} ms CPU`,
  );
} else {
  console.log(
    "Porcupine: no --porcupine binary given; recorded on this kind of machine (README.md): whole process 0.94-1.54 s of CPU; its parser 71-218 ms of wall time in its process, 100-110 ms of CPU for a parse-only process",
  );
}

const cpuOf = (prefix: string) => contenders.find((c) => c.name.startsWith(prefix));
const fast = cpuOf("faultline lin (node");
const go = cpuOf("Porcupine");
if (fast && go)
  console.log(
    `\nfaultline lin / Porcupine: ${(median(fast.wall) / median(go.wall)).toFixed(2)}x wall, ${(median(fast.cpu) / median(go.cpu)).toFixed(2)}x CPU (below 1: faultline is faster)`,
  );
if (contenders.some((c) => c.last && c.illegal(c.last) !== expectedIllegal)) process.exitCode = 1;
