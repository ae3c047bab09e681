/**
 * Every grading command written in the markdown of this repository must work: the lab has a
 * grader, each `--only` names a real test, each `--part` a real part, each `--impl mutant:<name>`
 * a real mutant. With `--run`, each command is also executed: a mutant must fail the test the
 * command names (exit 1) and the reference must pass it (exit 0). Every other `pnpm faultline`
 * and `pnpm soak` command must name a real command, subcommand and labs.
 *
 *   tsx scripts/check-commands.ts [--run]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { COMMAND_NAMES } from "../shared/cli/src/cli.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const run = process.argv.includes("--run");

function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".") || name === "docs-site") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) markdownFiles(p, out);
    else if (name.endsWith(".md")) out.push(p);
  }
  return out;
}

/** Split a command line into words, honouring double and single quotes. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? m[3] ?? ""));
  return out;
}

interface Found {
  file: string;
  line: number;
  text: string;
}

const commands: Found[] = [];
/** `pnpm faultline <command> ...` lines other than grades, and `pnpm soak ...`. */
const others: Found[] = [];
for (const file of markdownFiles(ROOT)) {
  const lines = readFileSync(file, "utf8").split("\n");
  let fenced = false;
  lines.forEach((l, i) => {
    if (/^\s*```/.test(l)) fenced = !fenced;
    const t = l.trim().replace(/\s+#.*$/, "");
    if (fenced && /^pnpm (grade|faultline grade) /.test(t))
      commands.push({ file: relative(ROOT, file), line: i + 1, text: t });
    else if (fenced && /^pnpm (faultline|soak)( |$)/.test(t))
      others.push({ file: relative(ROOT, file), line: i + 1, text: t });
  });
}

const graders = new Map<string, { scenarios: Array<{ name: string; part: string }>; parts: Record<string, string> }>();
async function grader(lab: string) {
  if (!graders.has(lab)) {
    const path = join(ROOT, "graders", lab, "src", "index.ts");
    if (!existsSync(path)) return undefined;
    const m = (await import(pathToFileURL(path).href)) as {
      lab: { scenarios: Array<{ name: string; part: string }>; parts: Record<string, string> };
    };
    graders.set(lab, m.lab);
  }
  return graders.get(lab);
}

const VALUE_FLAGS = new Set([
  "--only",
  "--replay",
  "--part",
  "--seed",
  "--seeds",
  "--impl",
  "--format",
  "--out",
  "--hidden-visibility",
  "--jobs",
  "--shard",
  "--seed-base",
]);
const BOOL_FLAGS = new Set(["--trace", "--explore", "--all", "--determinism", "--quiet", "--all-seeds"]);
const problems: string[] = [];
let ran = 0;
for (const c of commands) {
  const w = words(c.text);
  const args = w[1] === "grade" ? w.slice(2) : w.slice(3);
  const where = `${c.file}:${c.line}`;
  const labs: string[] = [];
  const opts = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (VALUE_FLAGS.has(a)) opts.set(a, args[++i] ?? "");
    else if (BOOL_FLAGS.has(a)) opts.set(a, "");
    else if (a.startsWith("--")) problems.push(`${where}: unknown flag ${a} in: ${c.text}`);
    else if (!a.startsWith("<")) labs.push(a);
  }
  for (const lab of labs) {
    const g = await grader(lab);
    if (!g) {
      problems.push(`${where}: no grader for lab "${lab}"`);
      continue;
    }
    const only = opts.get("--only");
    if (only !== undefined && !g.scenarios.some((s) => s.name === only))
      problems.push(`${where}: ${lab} has no test "${only}"`);
    const part = opts.get("--part");
    if (part !== undefined && !(part in g.parts)) problems.push(`${where}: ${lab} has no part "${part}"`);
    const impl = opts.get("--impl");
    if (impl?.startsWith("mutant:") && !existsSync(join(ROOT, "labs", lab, "mutants", impl.slice(7), "mutant.json")))
      problems.push(`${where}: ${lab} has no mutant "${impl.slice(7)}"`);
    if (run && only !== undefined && impl && (impl === "reference" || impl.startsWith("mutant:"))) {
      const r = spawnSync(
        process.execPath,
        ["--import", "tsx", join(ROOT, "shared/cli/src/main.ts"), "grade", ...args.filter((a) => a !== "--trace")],
        { cwd: ROOT, encoding: "utf8", timeout: 300_000, env: { ...process.env, NO_COLOR: "1" } },
      );
      ran++;
      const want = impl === "reference" ? 0 : 1;
      if (r.status !== want)
        problems.push(
          `${where}: expected exit ${want} (${impl === "reference" ? "the reference passes" : "the mutant fails"}), got ${r.status}: ${c.text}\n${(r.stdout + r.stderr).slice(-600)}`,
        );
      else process.stdout.write(".");
    }
  }
}
if (run) process.stdout.write("\n");

/** Commands and subcommands of `faultline`, as the CLI declares them. */
const SUBCOMMANDS = COMMAND_NAMES;
const labExists = (lab: string) => existsSync(join(ROOT, "graders", lab, "src", "index.ts"));
for (const c of others) {
  const w = words(c.text);
  const where = `${c.file}:${c.line}`;
  const [cmd, ...rest] = w[1] === "soak" ? ["soak", ...w.slice(2)] : w.slice(2);
  if (cmd === undefined || cmd.startsWith("-")) continue;
  if (!(cmd in SUBCOMMANDS)) {
    problems.push(`${where}: faultline has no command "${cmd}": ${c.text}`);
    continue;
  }
  const subs = SUBCOMMANDS[cmd];
  const sub = subs ? rest[0] : undefined;
  if (subs && (sub === undefined || !subs.includes(sub)))
    problems.push(`${where}: faultline ${cmd} has no subcommand "${sub ?? ""}": ${c.text}`);
  // Labs: positionals of soak, hint, watch, cluster, course check/gradescope/autograde; --lab values.
  const labArgs =
    cmd === "soak" || cmd === "hint" || cmd === "watch" || cmd === "cluster"
      ? rest.slice(0, cmd === "soak" ? undefined : 1)
      : sub === "check" || sub === "gradescope" || sub === "autograde"
        ? rest.slice(1)
        : [];
  const named = [
    ...labArgs.filter((a, i) => !a.startsWith("-") && !a.startsWith("<") && !(labArgs[i - 1] ?? "").startsWith("--")),
    ...rest.flatMap((a, i) => (rest[i - 1] === "--lab" ? [a] : [])),
  ];
  for (const lab of named) if (!labExists(lab)) problems.push(`${where}: no grader for lab "${lab}": ${c.text}`);
}
if (problems.length > 0) {
  console.error(`${problems.length} broken command(s) in markdown:\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(
  `${commands.length} grading commands and ${others.length} other faultline commands in markdown checked${run ? `, ${ran} grading commands run with the expected outcome` : ""}`,
);
process.exit(0);
