/**
 * Code that does not load is one problem, reported once: a syntax error as `file:line:col:
 * message` with the source line, a module that never finishes loading (an endless loop at its
 * top level) as such; no per-test reports, stacks, replay commands or hints.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli, makeCourse, removeTemp } from "./fixture.ts";

afterAll(removeTemp);
const T = 60_000;

/** The learner's stub with `edit` applied. */
function courseWith(edit: (src: string) => string): string {
  const root = makeCourse();
  const file = join(root, "labs/echo/src/index.ts");
  writeFileSync(file, edit(readFileSync(file, "utf8")));
  return root;
}

describe("code that does not load", () => {
  it(
    "a syntax error: file:line:col: message and the source line, once",
    async () => {
      const root = courseWith((s) => s.replace('throw new NotImplemented("EchoNode.onMessage");', "const reply = ;"));
      const lines = readFileSync(join(root, "labs/echo/src/index.ts"), "utf8").split("\n");
      const line = lines.findIndex((l) => l.includes("const reply = ;")) + 1;
      const col = lines[line - 1]!.indexOf(";") + 1; // 1-based, as editors count
      const r = await cli(["grade", "echo"], { root });
      expect(r.code).toBe(1);
      const report = r.stdout.slice(0, r.stdout.indexOf("\n\n"));
      expect(report).toBe(
        `! echo: your code does not load: labs/echo/src/index.ts:${line}:${col}: Unexpected ";"\n    const reply = ;\n  no test of echo ran; fix this first, then grade again`,
      );
      expect(r.stdout.match(/does not load:/g)).toHaveLength(1);
      for (const noise of ["replay", "hint:", "stack", "    at "])
        expect(r.stdout + r.stderr, noise).not.toContain(noise);
      expect(r.stdout.split("\n").length).toBeLessThan(16);
    },
    T,
  );

  it(
    "an endless loop at the top level of a module: reported once, after the load time limit",
    async () => {
      const root = courseWith((s) => `${s}\nwhile (true) {}\n`);
      const r = await cli(["grade", "echo"], { root });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(
        "! echo: your code does not load: your module did not finish loading within 2 s (an endless loop at the top level of a file?)\n  no test of echo ran; fix this first, then grade again\n",
      );
      expect(r.stdout.match(/did not finish loading/g)).toHaveLength(1);
      expect(r.stdout).toMatch(/! echo under loss\s+0\/10\s+does not load/);
      for (const noise of ["replay", "hint:", "watchdog"]) expect(r.stdout + r.stderr, noise).not.toContain(noise);
    },
    T,
  );
});
