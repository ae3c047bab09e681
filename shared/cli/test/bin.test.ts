/** The faultline bin: --version without TypeScript, the learner's commands from a cached bundle, the others through tsx registered in-process. */
import { spawnSync } from "node:child_process";
import { readFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { makeCourse, removeTemp } from "./fixture.ts";

const BIN = fileURLToPath(new URL("../bin/faultline.mjs", import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;
afterAll(removeTemp);

function bin(args: string[], env: Record<string, string> = {}) {
  const e: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...env };
  delete e.CI;
  delete e.INIT_CWD;
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: e, timeout: 60_000 });
}

describe("the faultline bin", () => {
  it("--version prints the CLI package's version, as the in-process command does", async () => {
    const r = bin(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`faultline ${VERSION}\n`);
    const { run } = await import("../src/cli.ts");
    let out = "";
    const io = {
      out: {
        write: (s: string) => {
          out += s;
          return true;
        },
      },
      err: { write: () => true },
      cwd: ".",
      color: false,
    } as never;
    expect(await run(["--version"], io)).toBe(0);
    expect(out).toBe(r.stdout);
  });

  it("runs the TypeScript commands: usage errors and a grade of the fixture course", () => {
    const root = makeCourse();
    const bad = bin(["grade", "ecko"], { FAULTLINE_ROOT: root });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown lab "ecko"\nlabs: echo');
    const r = bin(["grade", "echo", "--only", "echo on a clean network"], { FAULTLINE_ROOT: root });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain('1 test is not started yet. Next: A "echo on a clean network"');
    expect(r.status).toBe(1);
  }, 90_000);

  it("serves grade from a bundle built once, reused, and rebuilt when a grader changes; same output as the sources", () => {
    const root = makeCourse();
    const args = ["grade", "echo", "--impl", "reference", "--seeds", "2"];
    const first = bin(args, { FAULTLINE_ROOT: root, FAULTLINE_DEBUG: "1" });
    expect(first.stderr).toMatch(/^faultline: built the cached bundle /);
    const again = bin(args, { FAULTLINE_ROOT: root, FAULTLINE_DEBUG: "1" });
    expect(again.stderr).toMatch(/^faultline: reused the cached bundle /);
    const grader = join(root, "graders", "echo", "src", "index.ts");
    utimesSync(grader, new Date(), new Date(Date.now() + 10_000));
    expect(bin(args, { FAULTLINE_ROOT: root, FAULTLINE_DEBUG: "1" }).stderr).toMatch(
      /^faultline: built the cached bundle /,
    );
    const sources = bin(args, { FAULTLINE_ROOT: root, FAULTLINE_NO_BUNDLE: "1" });
    const wallFree = (s: string) => s.replace(/ *[\d.]+ m?s wall/g, "");
    expect(first.status).toBe(0);
    expect(wallFree(again.stdout)).toBe(wallFree(sources.stdout));
    expect(again.status).toBe(sources.status);
  }, 120_000);
});
