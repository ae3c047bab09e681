/** `faultline mutant edit|save|check` on the course fixture: a mutant written by editing a copy of the reference. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inproc, makeCourse, removeTemp } from "./fixture.ts";

afterAll(removeTemp);
/** Loading the CLI and writing a course copy take seconds on a busy machine. */
const T = 60_000;

describe("faultline mutant", () => {
  it(
    "writes a new mutant from an edited copy of the reference, and checks every patch",
    async () => {
      const root = makeCourse();
      const edit = await inproc(["mutant", "edit", "echo", "no-count"], root);
      expect(edit.code).toBe(0);
      const copy = join(root, "labs/echo/.mutant-no-count.edit");
      expect(edit.stdout).toContain(
        "copied the reference of echo, for the new mutant no-count to labs/echo/.mutant-no-count.edit",
      );
      writeFileSync(
        join(copy, "index.ts"),
        readFileSync(join(copy, "index.ts"), "utf8").replace("    this.answered++;\n", ""),
      );
      const save = await inproc(["mutant", "save", "echo", "no-count"], root);
      expect(save.code).toBe(0);
      expect(save.stdout).toContain("wrote labs/echo/mutants/no-count/no-count.patch (1 changed lines)");
      expect(save.stdout).toContain("fill in labs/echo/mutants/no-count/mutant.json");
      expect(existsSync(copy)).toBe(false);
      expect(readFileSync(join(root, "labs/echo/mutants/no-count/no-count.patch"), "utf8")).toContain(
        "\n-    this.answered++;\n",
      );

      writeFileSync(
        join(root, "labs/echo/mutants/no-count/mutant.json"),
        JSON.stringify({ bug: "never counts", targets: ["echo under loss"] }),
      );
      const ok = await inproc(["mutant", "check", "echo"], root);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain("5 mutant patches apply to their references (echo)");
    },
    T,
  );

  it(
    "names the mutant and the hunk that no longer apply after the reference changed",
    async () => {
      const root = makeCourse();
      const ref = join(root, "labs/echo/reference/index.ts");
      writeFileSync(ref, readFileSync(ref, "utf8").replace("text: msg.text });", "text: msg.text.trim() });"));
      const r = await inproc(["mutant", "check", "echo"], root);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /✗ mutant echo\/math-random no longer applies to reference\/: hunk 1 of 1 \(@@ -12,7 \+12,7 @@\) of index.ts does not apply: line 15 is .*msg\.text\.trim\(\)/,
      );
      expect(r.stdout).toContain("4 of 4 mutant patches do not apply");
      // editing a broken mutant is refused with the same message
      const edit = await inproc(["mutant", "edit", "echo", "wrong-text"], root);
      expect(edit.code).toBe(1);
      expect(edit.stderr).toContain("mutant echo/wrong-text no longer applies to reference/");
    },
    T,
  );

  it(
    "refreshes the patches a change of the reference broke, and leaves a real conflict marked",
    async () => {
      const root = makeCourse();
      const git = (...args: string[]) =>
        execFileSync(
          "git",
          ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", ...args],
          { cwd: root, stdio: "ignore" },
        );
      git("init", "-q");
      git("add", "-A");
      git("commit", "-q", "-m", "course");
      const ref = join(root, "labs/echo/reference/index.ts");
      // A line inside the context of two patches, away from their bugs.
      writeFileSync(
        ref,
        readFileSync(ref, "utf8").replace(
          "  start(env: Env<EchoMsg>): void {",
          "  start(env: Env<EchoMsg>): void { // kept for the handlers",
        ),
      );
      expect((await inproc(["mutant", "check", "echo"], root)).stdout).toContain("2 of 4 mutant patches do not apply");
      const r = await inproc(["mutant", "refresh", "echo"], root);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("refreshed echo/endless-loop\nrefreshed echo/throws\n");
      expect(readFileSync(join(root, "labs/echo/mutants/throws/throws.patch"), "utf8")).toContain(
        " kept for the handlers\n",
      );
      expect((await inproc(["mutant", "check", "echo"], root)).code).toBe(0);

      // The bug's own line changed: git cannot decide, the edit copy holds the conflict.
      git("add", "-A");
      git("commit", "-q", "-m", "refreshed");
      writeFileSync(ref, readFileSync(ref, "utf8").replace("text: msg.text });", "text: msg.text.trim() });"));
      const c = await inproc(["mutant", "refresh", "echo", "wrong-text"], root);
      expect(c.code).toBe(1);
      expect(c.stdout).toContain(
        "✗ echo/wrong-text: the bug and the change of the reference touch the same lines; resolve the marked conflicts in labs/echo/.mutant-wrong-text.edit/index.ts",
      );
      expect(readFileSync(join(root, "labs/echo/.mutant-wrong-text.edit/index.ts"), "utf8")).toMatch(
        /<<<<<<< mutant\n[\s\S]*toUpperCase[\s\S]*=======\n[\s\S]*trim\(\)[\s\S]*>>>>>>> reference now\n/,
      );
    },
    T,
  );
});
