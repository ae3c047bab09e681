/**
 * `faultline course classroom`: the learner repository template and its GitHub Classroom
 * workflow. The workflow is parsed as YAML and checked against what GitHub's command grader and
 * reporter read (inputs, step ids, the reporter's `<ID>_RESULTS` variables and `runners`); then
 * its grade commands run here exactly as the command grader runs them (the command string, a
 * shell, only PATH, HOME and FORCE_COLOR in the environment, from the repository's root): in
 * the real course's template after an (offline) install, and in the fixture course's.
 */
import { execFileSync, execSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { inproc, makeCourse, removeTemp, tempDir } from "./fixture.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = join(REPO, "shared", "cli", "bin", "faultline.mjs");
const MINUTE = 60_000;
// The real course's template holds an installed node_modules: removing it takes a while.
afterAll(removeTemp, 5 * MINUTE);

interface Step {
  name: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number>;
  env?: Record<string, string>;
}
interface Workflow {
  on: string[];
  jobs: Record<string, { "runs-on": string; steps: Step[] }>;
}

const workflowOf = (dir: string) =>
  parse(readFileSync(join(dir, ".github", "workflows", "classroom.yml"), "utf8")) as Workflow;
const graderSteps = (w: Workflow) =>
  Object.values(w.jobs)[0]!.steps.filter((s) => s.uses?.startsWith("classroom-resources/autograding-command-grader@"));

/** Run a step's command as autograding-command-grader does: execSync with its small environment. */
function gradeStep(step: Step, cwd: string): { status: "pass" | "fail"; score: number } {
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", FORCE_COLOR: "true" };
  try {
    execSync(String(step.with!.command), { cwd, env, stdio: "pipe", timeout: Number(step.with!.timeout) * MINUTE });
    return { status: "pass", score: Number(step.with!["max-score"]) };
  } catch (err) {
    lastOutput = `${String((err as { stdout?: Buffer }).stdout ?? "")}${String((err as { stderr?: Buffer }).stderr ?? "")}`;
    return { status: "fail", score: 0 };
  }
}
/** What the last failing step printed (shown when a step that should pass fails). */
let lastOutput = "";

/** The checks GitHub's actions make of a workflow before they run it. */
function expectWellFormed(w: Workflow): void {
  expect(w.on).toEqual(["push", "workflow_dispatch"]);
  const steps = Object.values(w.jobs)[0]!.steps;
  const graded = graderSteps(w);
  expect(graded.length).toBeGreaterThan(0);
  for (const s of graded) {
    expect(s.id).toMatch(/^[a-zA-Z0-9]+$/);
    expect(Object.keys(s.with!).sort()).toEqual(["command", "max-score", "test-name", "timeout"]);
    expect(Number(s.with!["max-score"])).toBeGreaterThan(0);
  }
  const reporter = steps.at(-1)!;
  expect(reporter.uses).toBe("classroom-resources/autograding-grading-reporter@v1");
  // The reporter reads `runners` (ids, comma-separated, letters and digits) and <ID>_RESULTS of each.
  const runners = String(reporter.with!.runners);
  expect(runners).toMatch(/^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$/);
  expect(runners.split(",")).toEqual(graded.map((s) => s.id));
  for (const s of graded)
    expect(reporter.env![`${s.id!.toUpperCase()}_RESULTS`]).toBe(`\${{steps.${s.id}.outputs.result}}`);
}

describe("course classroom", () => {
  it(
    "writes the fixture course's learner copy with one graded step per visible test; the commands fail on the stubs and pass on the reference",
    async () => {
      const root = makeCourse();
      const dest = join(tempDir("faultline-classroom-"), "repo");
      const r = await inproc(["course", "classroom", dest], root);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("2 graded steps (echo), 15 points");
      expect(existsSync(join(dest, "labs", "echo", "reference"))).toBe(false);
      const w = workflowOf(dest);
      expectWellFormed(w);
      const steps = graderSteps(w);
      // The hidden test is not in a learner copy, so it has no step.
      expect(steps.map((s) => s.with!["test-name"])).toEqual([
        "echo A: echo under loss",
        "echo A: echo on a clean network",
      ]);
      expect(steps[0]!.with!.command).toBe('node_modules/.bin/faultline grade echo --only "echo under loss" --quiet');
      // The fixture course has no install: its bin is this checkout's, pointed at the copy.
      mkdirSync(join(dest, "node_modules", ".bin"), { recursive: true });
      writeFileSync(
        join(dest, "node_modules", ".bin", "faultline"),
        `#!/bin/sh\nFAULTLINE_ROOT="$(pwd)" exec "${process.execPath}" "${BIN}" "$@"\n`,
      );
      chmodSync(join(dest, "node_modules", ".bin", "faultline"), 0o755);
      expect(steps.map((s) => gradeStep(s, dest))).toEqual([
        { status: "fail", score: 0 },
        { status: "fail", score: 0 },
      ]);
      cpSync(join(root, "labs", "echo", "reference"), join(dest, "labs", "echo", "src"), { recursive: true });
      expect(
        steps.map((s) => gradeStep(s, dest)),
        lastOutput,
      ).toEqual([
        { status: "pass", score: 10 },
        { status: "pass", score: 5 },
      ]);
    },
    5 * MINUTE,
  );

  it(
    "the real course's template installs, and its first step's command scores 0 on the stubs and its points on the reference",
    async () => {
      const dest = join(tempDir("faultline-classroom-real-"), "repo");
      execFileSync(process.execPath, [BIN, "course", "classroom", dest, "--lab", "lamport-clock", "--allow-dirty"], {
        cwd: REPO,
        env: { ...process.env, FAULTLINE_ROOT: "" },
        stdio: "pipe",
      });
      const w = workflowOf(dest);
      expectWellFormed(w);
      const install = Object.values(w.jobs)[0]!.steps.find((s) => s.name === "Install the course")!;
      expect(install.run).toMatch(/^npx --yes pnpm@\d+\.\d+\.\d+ install --frozen-lockfile$/);
      // The workflow's install, offline from this machine's pnpm store.
      execSync("pnpm install --frozen-lockfile --offline", { cwd: dest, stdio: "pipe", timeout: 8 * MINUTE });
      const first = graderSteps(w)[0]!;
      expect(first.with!["test-name"]).toBe("lamport-clock A: lamport clock rules");
      expect(gradeStep(first, dest)).toEqual({ status: "fail", score: 0 });
      // A learner's finished lamport.ts: the reference's, which takes the given constants from
      // the stub it replaces (kept beside it under another name).
      const src = join(dest, "labs", "lamport-clock", "src");
      renameSync(join(src, "lamport.ts"), join(src, "lamport-given.ts"));
      const solved = readFileSync(join(REPO, "labs", "lamport-clock", "reference", "lamport.ts"), "utf8")
        .replaceAll('"../src/lamport.ts"', '"./lamport-given.ts"')
        .replaceAll('"../src/', '"./');
      writeFileSync(join(src, "lamport.ts"), solved);
      expect(gradeStep(first, dest), lastOutput).toEqual({ status: "pass", score: Number(first.with!["max-score"]) });
    },
    12 * MINUTE,
  );
});
