/** A bundle path handed out once is handed out again only while the file is still there. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memoizedFile } from "../src/isolation/runtime-bundle.ts";

const dir = mkdtempSync(join(tmpdir(), "faultline-memo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("runtime bundles in a long-lived process", () => {
  it("are made once while their file exists, and again once it was removed", async () => {
    let builds = 0;
    const make = async () => {
      const file = join(dir, `bundle-${++builds}.mjs`);
      writeFileSync(file, "export {};\n");
      return file;
    };
    const first = await memoizedFile("test-grader", make);
    expect(await memoizedFile("test-grader", make)).toBe(first);
    expect(builds).toBe(1);
    // Another process rebuilt the bundle, and the old folder was pruned.
    rmSync(first);
    const second = await memoizedFile("test-grader", make);
    expect(second).not.toBe(first);
    expect(builds).toBe(2);
  });

  it("tries again after a failed build", async () => {
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error("esbuild failed");
    };
    await expect(memoizedFile("broken", failing)).rejects.toThrow(/esbuild failed/);
    await expect(memoizedFile("broken", failing)).rejects.toThrow(/esbuild failed/);
    expect(calls).toBe(2);
  });
});
