/**
 * Start-up cost of the faultline command, side by side: CPU (user + system, children included)
 * and wall time, median of a few runs, for `--version`, `help` and a one-test grade, through
 * pnpm + the tsx CLI (how `pnpm faultline` ran before the bin), through pnpm + the bin (what
 * `pnpm faultline` runs now) and the bin alone (node_modules/.bin/faultline). Prints figures;
 * the target (--version under 200 ms of CPU through the bin) is read, not asserted.
 *
 *   tsx bench/startup.ts [--runs N]
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const runsAt = process.argv.indexOf("--runs");
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 5;

/** CPU seconds (user + sys of the command and everything it waited for) and wall seconds of one run. */
function measure(command: string): { cpu: number; wall: number } {
  const started = process.hrtime.bigint();
  // bash's `times` prints the shell's own times, then its children's: "0m0.512s 0m0.101s".
  const r = spawnSync("bash", ["-c", `${command} >/dev/null 2>&1; times`], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const children = (r.stdout.trim().split("\n")[1] ?? "").match(/(\d+)m([\d.]+)s/g) ?? [];
  const cpu = children.reduce((a, t) => {
    const [, m, s] = /(\d+)m([\d.]+)s/.exec(t)!;
    return a + Number(m) * 60 + Number(s);
  }, 0);
  return { cpu, wall };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const ways: Array<[string, string]> = [
  ["pnpm + tsx CLI (before)", "pnpm exec tsx shared/cli/src/main.ts"],
  ["pnpm faultline (now)", "pnpm faultline"],
  ["node_modules/.bin/faultline", "node_modules/.bin/faultline"],
  ["bin, sources through tsx", "FAULTLINE_NO_BUNDLE=1 node_modules/.bin/faultline"],
];
const commands: Array<[string, string]> = [
  ["--version", "--version"],
  ["help", "help"],
  ["grade, one test", 'grade lamport-clock --only "lamport clock rules"'],
];

console.log(`faultline start-up, median of ${RUNS} runs (CPU = user + system, children included)\n`);
console.log(`${"command".padEnd(18)}${ways.map(([w]) => w.padStart(30)).join("")}`);
for (const [label, args] of commands) {
  const cells = ways.map(([, prefix]) => {
    const runs = Array.from({ length: RUNS }, () => measure(`${prefix} ${args}`));
    return `${median(runs.map((r) => r.cpu)).toFixed(2)} s CPU ${median(runs.map((r) => r.wall)).toFixed(2)} s wall`.padStart(
      30,
    );
  });
  console.log(`${label.padEnd(18)}${cells.join("")}`);
}

/** Wall seconds from starting `args` until the first verdict line (✓ or ✗) is printed. */
function firstVerdict(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [`${ROOT}/shared/cli/bin/faultline.mjs`, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    let out = "";
    let seen = false;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      if (!seen && /[✓✗]/.test(out)) {
        seen = true;
        resolve(Number(process.hrtime.bigint() - started) / 1e9);
      }
    });
    child.on("exit", () => {
      if (!seen) reject(new Error(`no verdict printed:\n${out}`));
    });
  });
}

const loop = ["grade", "lamport-clock", "--impl", "reference", "--only", "lamport clock rules", "--seeds", "1"];
console.log(`\nedit-grade loop: wall seconds to the first verdict of a one-seed grade, median of ${RUNS} runs`);
for (const [label, env] of [
  ["bin, cached bundle", {}],
  ["bin, sources through tsx", { FAULTLINE_NO_BUNDLE: "1" }],
] as Array<[string, Record<string, string>]>) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await firstVerdict(loop, env));
  console.log(`${label.padEnd(30)}${median(times).toFixed(2).padStart(8)} s`);
}

/**
 * `faultline watch`: wall seconds from saving a file of the lab's src to the first verdict of
 * the run it starts (the debounce included), with the run that was kept ready since the last.
 */
async function watchLoop(runs: number): Promise<number[]> {
  const file = `${ROOT}/labs/lamport-clock/src/index.ts`;
  const text = readFileSync(file, "utf8");
  const child = spawn(process.execPath, [`${ROOT}/shared/cli/bin/faultline.mjs`, "watch", ...loop.slice(1)], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  const verdicts = () => (out.match(/[✓✗]/g) ?? []).length;
  const waitFor = async (n: number) => {
    const end = Date.now() + 60_000;
    while (verdicts() < n) {
      if (Date.now() > end) throw new Error(`watch printed no verdict:\n${out}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const times: number[] = [];
  try {
    await waitFor(1);
    for (let i = 0; i < runs; i++) {
      await new Promise((r) => setTimeout(r, 3000)); // reading and editing: the next run loads meanwhile
      const before = verdicts();
      const started = process.hrtime.bigint();
      writeFileSync(file, text);
      await waitFor(before + 1);
      times.push(Number(process.hrtime.bigint() - started) / 1e9);
    }
  } finally {
    child.kill("SIGTERM");
  }
  return times;
}
const saves = await watchLoop(RUNS);
console.log(
  `${"watch: save to verdict".padEnd(30)}${median(saves).toFixed(2).padStart(8)} s  (runs: ${saves.map((t) => t.toFixed(2)).join(" ")})`,
);
