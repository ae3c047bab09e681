/**
 * `faultline doctor`: is this machine and checkout ready? Node and pnpm versions, the labs and
 * their graders, and whether any grader (or the grading harness) differs from the committed
 * version, so an edited grader is visible before grades are trusted.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, mkdirSync } from "node:fs";
import { join } from "node:path";
import { courseRoot, isLearnerCopy, knownLabs } from "@faultline/grading";
import { paint, parseCommand, say, type Io } from "../io.ts";
import { labFolders } from "../labs.ts";

const MIN_NODE: [number, number] = [20, 19];

function tryRun(cmd: string, args: string[], cwd: string, trim = true): string | undefined {
  try {
    const out = execFileSync(cmd, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    });
    return trim ? out.trim() : out.replace(/\n+$/, "");
  } catch {
    return undefined;
  }
}

export async function doctorCommand(argv: string[], io: Io): Promise<number> {
  parseCommand("doctor", argv, {}, "faultline doctor");
  const root = courseRoot();
  const c = io.color;
  let problems = 0;
  const ok = (s: string) => say(io.out, `${paint(c, "32", "✓")} ${s}`);
  const warn = (s: string) => say(io.out, `${paint(c, "33", "!")} ${s}`);
  const bad = (s: string) => {
    problems++;
    say(io.out, `${paint(c, "31", "✗")} ${s}`);
  };

  const [maj = 0, min = 0] = process.versions.node.split(".").map(Number);
  if (maj > MIN_NODE[0] || (maj === MIN_NODE[0] && min >= MIN_NODE[1]))
    ok(`Node ${process.versions.node} (needs >= ${MIN_NODE.join(".")})`);
  else
    bad(`Node ${process.versions.node} is too old: install Node ${MIN_NODE.join(".")} or newer (20, 22 and 24 work)`);

  const pnpm = tryRun("pnpm", ["--version"], root);
  if (pnpm) ok(`pnpm ${pnpm}`);
  else bad("pnpm not found: corepack enable (or npm install -g pnpm@10)");

  const labs = knownLabs();
  const pending = labFolders().filter((l) => !labs.includes(l));
  if (labs.length > 0) ok(`labs with a grader: ${labs.join(", ")}`);
  else warn("no lab has a grader yet");
  if (pending.length > 0) warn(`labs without a grader yet: ${pending.join(", ")}`);
  if (isLearnerCopy(root))
    ok("learner copy (exported course): reference solutions, mutants and hidden tests are not here");

  try {
    mkdirSync(join(root, ".faultline"), { recursive: true });
    accessSync(join(root, ".faultline"), constants.W_OK);
    ok(".faultline/ is writable (traces, status)");
  } catch {
    bad(".faultline/ is not writable: traces and progress cannot be saved");
  }

  const inGit = tryRun("git", ["rev-parse", "--is-inside-work-tree"], root) === "true";
  if (!inGit) warn("not a git checkout: cannot tell whether the graders were edited");
  else {
    const head = tryRun("git", ["rev-parse", "--short", "HEAD"], root);
    const changed = tryRun(
      "git",
      ["status", "--porcelain", "--untracked-files=all", "--", "graders", "shared/grading", "shared/sim"],
      root,
      false,
    );
    if (changed === undefined) warn("git status failed: cannot tell whether the graders were edited");
    else if (changed === "")
      ok(`graders, grading harness and simulator match the committed version${head ? ` (${head})` : ""}`);
    else {
      const files = changed.split("\n").map((l) => `    ${l.slice(0, 2).trim() || "?"} ${l.slice(3)}`);
      bad(
        `graders or the harness differ from the committed version${head ? ` (${head})` : ""}; grades may not match the official ones:\n${files.slice(0, 20).join("\n")}${files.length > 20 ? `\n    … ${files.length - 20} more` : ""}\n  (git diff -- graders shows the edits; git checkout -- graders restores them)`,
      );
    }
  }
  say(io.out, problems === 0 ? "\nall good" : `\n${problems} problem${problems === 1 ? "" : "s"}`);
  return problems === 0 ? 0 : 1;
}
