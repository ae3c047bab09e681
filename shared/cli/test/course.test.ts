/** course export and course check, end to end on the fixture course. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stripHiddenScenarios } from "../src/course-export.ts";
import { cli, inproc, makeCourse, removeTemp, tempDir } from "./fixture.ts";

let root = "";
let learner = "";
afterAll(removeTemp);
beforeAll(() => {
  root = makeCourse();
  learner = join(tempDir("faultline-export-"), "learner");
});
const T = 90_000;

describe("course export", () => {
  it(
    "writes a learner copy without reference, mutants, hidden tests and instructor checkpoints",
    async () => {
      const r = await cli(["course", "export", learner], { root, timeoutMs: 80_000 });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/wrote a learner copy to .*learner \(\d+ files\)/);
      expect(r.stdout).toContain("hidden tests cut from grader sources: 1 (secret check)");
      expect(r.stdout).toContain("handbook drills that run a mutant now grade the learner's code: 1 command(s)");
      for (const gone of [
        "labs/echo/reference/index.ts",
        "labs/echo/mutants/throws/throws.patch",
        "labs/echo/mutants",
        "handbook/checkpoints/instructor/answers.md",
        ".faultline",
      ])
        expect(existsSync(join(learner, gone)), gone).toBe(false);
      for (const kept of [
        "labs/echo/src/index.ts",
        "labs/echo/README.md",
        "labs/pending/README.md",
        "handbook/checkpoints/week1.md",
        "graders/echo/src/index.ts",
        "package.json",
        ".faultline-learner-copy.json",
      ])
        expect(existsSync(join(learner, kept)), kept).toBe(true);
      const grader = readFileSync(join(learner, "graders/echo/src/index.ts"), "utf8");
      expect(grader).not.toContain("secret check");
      expect(grader).not.toMatch(/hidden:\s*true/);
      expect(grader).toContain("clean!,");
      const pkg = JSON.parse(readFileSync(join(learner, "labs/echo/package.json"), "utf8"));
      expect(pkg.exports).toEqual({ ".": "./src/index.ts" });
    },
    T,
  );

  it(
    "the learner copy grades cleanly at 0, without the hidden test, and has no reference to grade",
    async () => {
      const r = await cli(["grade", "echo"], { root: learner });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/Total\s+0\/15\s+0%/);
      expect(r.stdout).not.toContain("secret check");
      expect(r.stdout).toContain("2 tests are not started yet");
      expect(r.stderr).toBe("");
      const ref = await inproc(["grade", "echo", "--impl", "reference"], learner);
      expect(ref.code).toBe(2);
      expect(ref.stderr).toMatch(/--impl reference: .*reference does not exist/);
      const again = await inproc(["course", "export", join(learner, "..", "again")], learner);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("already a learner copy");
      const check = await inproc(["course", "check"], learner);
      expect(check.code).toBe(2);
    },
    T,
  );

  it(
    "in a git checkout exports tracked files only, unless --include-untracked",
    async () => {
      const repo = makeCourse();
      const git = (...args: string[]) =>
        execFileSync(
          "git",
          ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", ...args],
          { cwd: repo, stdio: "ignore" },
        );
      git("init", "-q");
      git("add", "-A");
      git("commit", "-q", "-m", "course");
      writeFileSync(join(repo, "labs/echo/src/solution-notes.md"), "the answer\n");
      const plain = join(tempDir("faultline-export-"), "plain");
      const r = await inproc(["course", "export", plain], repo);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(
        "left out 1 untracked file(s) (commit them, or pass --include-untracked): labs/echo/src/solution-notes.md",
      );
      expect(existsSync(join(plain, "labs/echo/src/solution-notes.md"))).toBe(false);
      expect(existsSync(join(plain, "labs/echo/src/index.ts"))).toBe(true);
      expect(existsSync(join(plain, "labs/echo/reference"))).toBe(false);
      const all = join(tempDir("faultline-export-"), "all");
      const r2 = await inproc(["course", "export", all, "--include-untracked"], repo);
      expect(r2.code).toBe(0);
      expect(r2.stderr).toContain("copied 1 untracked file(s)");
      expect(readFileSync(join(all, "labs/echo/src/solution-notes.md"), "utf8")).toBe("the answer\n");
    },
    T,
  );

  it(
    "exports the committed files: uncommitted work in labs/*/src is refused, and with --allow-dirty left out",
    async () => {
      const repo = makeCourse();
      const git = (...args: string[]) =>
        execFileSync(
          "git",
          ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", ...args],
          { cwd: repo, stdio: "ignore" },
        );
      git("init", "-q");
      git("add", "-A");
      git("commit", "-q", "-m", "course");
      const stub = join(repo, "labs/echo/src/index.ts");
      const committed = readFileSync(stub, "utf8");
      // the instructor solved part A in the working tree
      writeFileSync(stub, readFileSync(join(repo, "labs/echo/reference/index.ts"), "utf8"));
      writeFileSync(join(repo, "labs/echo/README.md"), "# echo, edited\n");
      const refused = join(tempDir("faultline-export-"), "refused");
      const r = await inproc(["course", "export", refused], repo);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("1 file(s) under labs/*/src differ from the last commit: labs/echo/src/index.ts");
      expect(r.stderr).toContain("pass --allow-dirty to export the committed files anyway");
      expect(existsSync(join(refused, "labs"))).toBe(false);
      const dirty = join(tempDir("faultline-export-"), "dirty");
      const r2 = await inproc(["course", "export", dirty, "--allow-dirty"], repo);
      expect(r2.code).toBe(0);
      expect(r2.stderr).toContain(
        "exported the committed version of 2 file(s) with uncommitted changes: labs/echo/README.md, labs/echo/src/index.ts",
      );
      expect(readFileSync(join(dirty, "labs/echo/src/index.ts"), "utf8")).toBe(committed);
      expect(readFileSync(join(dirty, "labs/echo/README.md"), "utf8")).toBe("# echo\n");
      const graded = await inproc(["grade", "echo"], dirty);
      expect(graded.code).toBe(1);
      expect(graded.stdout).toMatch(/Total\s+0\/15\s+0%/);
      expect(graded.stdout).toContain("2 tests are not started yet");
    },
    T,
  );

  it(
    "rewrites the handbook's mutant drills so they run inside the learner copy",
    async () => {
      const essay = readFileSync(join(learner, "handbook/essays/echo.md"), "utf8");
      expect(essay).not.toContain("--impl mutant:");
      expect(essay).toContain(
        "# mutant:wrong-text (answers with the text upper-cased) is not in a learner copy: this grades your code on the same test\n",
      );
      const drill = essay.split("\n").find((l) => l.startsWith("pnpm grade echo"));
      expect(drill).toBe('pnpm grade echo --only "echo on a clean network" --trace');
      // the drill as a learner runs it (pnpm grade is faultline grade), in its own process
      const r = await cli(["grade", "echo", "--only", "echo on a clean network", "--trace"], {
        root: learner,
        timeoutMs: 60_000,
      });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("1 test is not started yet");
      expect(r.stderr).toBe("");
      // the original drill names the reason
      const old = await inproc(
        ["grade", "echo", "--only", "echo on a clean network", "--impl", "mutant:wrong-text"],
        learner,
      );
      expect(old.code).toBe(2);
      expect(old.stderr).toContain(
        "--impl mutant:wrong-text: a learner copy has no mutants (each is the reference solution with one bug, so course export leaves them out); grade your own code on the same test: leave out --impl",
      );
    },
    T,
  );

  it(
    "refuses a folder that is not empty",
    async () => {
      const r = await inproc(["course", "export", learner], root);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("exists and is not empty");
    },
    T,
  );
});

describe("cutting hidden scenarios out of a grader source", () => {
  const src = `export const lab = defineLab({
  scenarios: [
    { part: "A", name: "one", points: 1, hints: ["h"], run() {} },
    { part: "A", name: "two", points: 1, hidden: true, hints: ["h"], run() {} },
    { part: "A", name: "three", points: 1, hints: ["h"], run() {} },
    {
      part: "B",
      name: "four",
      hidden: true,
      hints: ["h"],
      async run(ctx) { await ctx.sim({}).runFor(1); },
    },
  ],
});
const loose = { part: "C", name: "five", hidden: true, hints: ["h"], run() {} };
const visible = { hidden: false, name: "six", run() {} };
`;
  it("removes hidden array elements with their commas and reports the others", () => {
    const { text, removed, left } = stripHiddenScenarios(src);
    expect(removed.sort()).toEqual(["four", "two"]);
    expect(left).toEqual(["five"]);
    expect(text).toContain('name: "one"');
    expect(text).toContain('name: "three"');
    expect(text).not.toContain('name: "two"');
    expect(text).not.toContain('name: "four"');
    expect(text).toContain('name: "six"');
    expect(text).toMatch(/name: "three", points: 1, hints: \["h"\], run\(\) \{\} \},\n {2}\],/);
  });
});

describe("course check", () => {
  it(
    "passes on a sound lab: reference 100%, stubs 0, every mutant caught, TODOs and hints",
    async () => {
      const r = await cli(["course", "check"], { root, timeoutMs: 80_000 });
      expect(r.stdout).toContain("every test has a hint (3 tests)");
      expect(r.stdout).toContain("every stub body is marked TODO (2 stubs)");
      expect(r.stdout).toContain("the reference scores 100% (18/18, every seed twice with equal traces)");
      expect(r.stdout).toContain('the stubs score 0, every test "not started"');
      expect(r.stdout).toContain('mutant math-random is caught by "echo under loss"');
      expect(r.stdout).toContain('mutant endless-loop is caught by "echo under loss"');
      expect(r.stdout).toContain("course check passed (1 lab)");
      expect(r.code).toBe(0);
    },
    T,
  );

  it(
    "checks the committed stubs, leaves the learner's traces alone and shows its progress",
    async () => {
      const repo = makeCourse();
      const git = (...args: string[]) =>
        execFileSync(
          "git",
          ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", ...args],
          { cwd: repo, stdio: "ignore" },
        );
      git("init", "-q");
      git("add", "-A");
      git("commit", "-q", "-m", "course");
      // a learner solved the lab in src/ and has traces of an earlier run
      writeFileSync(
        join(repo, "labs/echo/src/index.ts"),
        readFileSync(join(repo, "labs/echo/reference/index.ts"), "utf8"),
      );
      const mine = join(repo, ".faultline/traces/echo/echo-under-loss.seed1.txt");
      mkdirSync(join(mine, ".."), { recursive: true });
      writeFileSync(mine, "my trace\n");
      const r = await cli(["course", "check", "--fast"], { root: repo, timeoutMs: 80_000 });
      expect(r.stdout).toContain("(labs/echo/src differs from the last commit: checking the committed stubs)");
      expect(r.stdout).toContain('✓ the stubs score 0, every test "not started"');
      expect(r.stdout).toContain("every stub body is marked TODO (2 stubs)");
      expect(r.stdout).toContain("course check passed (1 lab)");
      expect(r.code).toBe(0);
      for (const phase of ["the reference (3 tests)", "the stubs (3 tests)", "the mutants (4 mutants)"])
        expect(r.stderr).toContain(`  … ${phase}`);
      expect(readFileSync(mine, "utf8")).toBe("my trace\n");
      expect(readdirSync(join(repo, ".faultline/traces/echo"))).toEqual(["echo-under-loss.seed1.txt"]);
      // the mutants' failing seeds left their traces in the check's own folder
      expect(readdirSync(join(repo, ".faultline/course-check/traces/echo")).length).toBeGreaterThan(0);
      expect(readdirSync(join(repo, "labs/echo")).filter((f) => f.startsWith(".submission-"))).toEqual([]);
    },
    T,
  );

  it(
    "names a committed stub's problem by its path in labs/<lab>/src, not the staged copy",
    async () => {
      const repo = makeCourse();
      const stub = join(repo, "labs/echo/src/index.ts");
      writeFileSync(stub, readFileSync(stub, "utf8").replace("// TODO: keep env for the handlers.\n", ""));
      const git = (...args: string[]) =>
        execFileSync(
          "git",
          ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", ...args],
          { cwd: repo, stdio: "ignore" },
        );
      git("init", "-q");
      git("add", "-A");
      git("commit", "-q", "-m", "course");
      writeFileSync(join(repo, "labs/echo/src/notes.ts"), "export const mine = 1;\n");
      const r = await cli(["course", "check", "--fast"], { root: repo, timeoutMs: 80_000 });
      expect(r.stdout).toContain("checking the committed stubs");
      expect(r.stdout).toContain("✗ stub bodies without a TODO comment: 1");
      expect(r.stdout).toMatch(/ {6}labs\/echo\/src\/index.ts:7 start/);
      expect(r.stdout).not.toContain(".submission-");
      expect(r.stdout).not.toContain("faultline-stubs-");
      expect(r.stdout).toContain(
        "traces written by this check (failing seeds, the mutants' included): .faultline/course-check/traces/echo",
      );
      expect(r.code).toBe(1);
    },
    T,
  );

  it(
    "fails on a surviving mutant and an unmarked stub",
    async () => {
      const bad = makeCourse();
      const stub = join(bad, "labs/echo/src/index.ts");
      writeFileSync(stub, readFileSync(stub, "utf8").replace("// TODO: keep env for the handlers.\n", ""));
      mkdirSync(join(bad, "labs/echo/mutants/harmless"));
      // a patch that changes a comment-free line into an equal one: the reference in effect
      writeFileSync(
        join(bad, "labs/echo/mutants/harmless/harmless.patch"),
        "--- a/index.ts\n+++ b/index.ts\n@@ -14 +14 @@\n-    this.answered++;\n+    this.answered += 1;\n",
      );
      writeFileSync(
        join(bad, "labs/echo/mutants/harmless/mutant.json"),
        '{ "bug": "none at all", "targets": ["echo on a clean network"] }',
      );
      const r = await cli(["course", "check", "--fast"], { root: bad, timeoutMs: 80_000 });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("✗ stub bodies without a TODO comment: 1");
      expect(r.stdout).toMatch(/labs\/echo\/src\/index.ts:7 start/);
      expect(r.stdout).toContain('✗ mutant harmless (none at all) survives "echo on a clean network" (pass)');
      expect(r.stdout).toContain("course check failed: 2 problems");
    },
    T,
  );
});
