/** Usage errors of the faultline command, run in this process (exit code 2, a message listing what exists). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/cli.ts";
import { makeCourse, removeTemp } from "./fixture.ts";

let root = "";
afterAll(removeTemp);
beforeAll(() => {
  root = makeCourse();
  process.env.FAULTLINE_ROOT = root;
  process.env.NO_COLOR = "1";
  delete process.env.FAULTLINE_IMPL;
});
const T = 30_000;

async function inproc(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = {
    write: (s: string) => {
      stdout += s;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const err = {
    write: (s: string) => {
      stderr += s;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const code = await run(argv, { out, err, cwd: root, color: false });
  return { code, stdout, stderr };
}

describe("usage errors exit 2 and list what exists", () => {
  it(
    "no command, an unknown command",
    async () => {
      const none = await inproc([]);
      expect(none.code).toBe(2);
      expect(none.stdout).toContain("grade [lab...|--all]");
      const bad = await inproc(["grdae"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(
        'unknown command "grdae"; commands: grade, watch, hint, status, trace, course, doctor, lin',
      );
    },
    T,
  );

  it(
    "grade without a lab lists the labs; unknown labs and labs without a grader are explained",
    async () => {
      const r = await inproc(["grade"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("which lab?\nlabs: echo\nwithout a grader yet: pending");
      const u = await inproc(["grade", "ecko"]);
      expect(u.code).toBe(2);
      expect(u.stderr).toContain('unknown lab "ecko"\nlabs: echo');
      const p = await inproc(["grade", "pending"]);
      expect(p.code).toBe(2);
      expect(p.stderr).toContain('lab "pending" has no grader yet (graders/pending/src/index.ts does not exist)');
    },
    T,
  );

  it(
    "unknown test, part, flag and impl",
    async () => {
      const t = await inproc(["grade", "echo", "--only", "echo"]);
      expect(t.code).toBe(2);
      expect(t.stderr).toContain(
        'unknown test "echo" in echo; did you mean --only "echo under loss" or --only "echo on a clean network"?\ntests:\n  A  "echo under loss"\n  A  "echo on a clean network"\n  B  "secret check"',
      );
      const typo = await inproc(["grade", "echo", "--only", "echo undr los"]);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain('unknown test "echo undr los" in echo; did you mean --only "echo under loss"?\n');
      const far = await inproc(["grade", "echo", "--only", "leader election"]);
      expect(far.stderr).toContain('unknown test "leader election" in echo\ntests:');
      const p = await inproc(["grade", "echo", "--part", "Z"]);
      expect(p.code).toBe(2);
      expect(p.stderr).toContain('unknown part "Z" in echo; parts: A (Echo), B (Extra)');
      const f = await inproc(["grade", "echo", "--sede", "3"]);
      expect(f.code).toBe(2);
      expect(f.stderr).toContain("Unknown option '--sede'");
      expect(f.stderr).toContain("flags: --all --part <value> --only <value> --seed <value>");
      const i = await inproc(["grade", "echo", "--impl", "mutant:nope"]);
      expect(i.code).toBe(2);
      expect(i.stderr).toContain(
        'unknown mutant "nope" of echo; mutants: endless-loop, math-random, throws, wrong-text',
      );
      const d = await inproc(["grade", "echo", "--impl", "no-such-dir"]);
      expect(d.code).toBe(2);
      expect(d.stderr).toMatch(/--impl .*no-such-dir does not exist/);
      const fmt = await inproc(["grade", "echo", "--format", "xml"]);
      expect(fmt.code).toBe(2);
      expect(fmt.stderr).toContain('unknown --format "xml"; formats: gradescope, junit, json');
    },
    T,
  );
});

describe("a grader that does not load", () => {
  it("is exit 3 when named, and skipped (exit 3 at the end) with --all", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    mkdirSync(join(root, "graders", "broken", "src"), { recursive: true });
    writeFileSync(join(root, "graders", "broken", "src", "index.ts"), "export const lab = ;\n");
    const one = await inproc(["grade", "broken"]);
    expect(one.code).toBe(3);
    expect(one.stderr).toContain("the grader of broken does not load");
    const all = await inproc(["grade", "--all", "--only", "echo on a clean network", "--impl", "reference"]);
    expect(all.stderr).toContain("(skipping broken; the other labs are graded)");
    expect(all.stdout).toMatch(/Total\s+5\/5\s+100%/);
    expect(all.code).toBe(3);
  }, 60_000);
});
