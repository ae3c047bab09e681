import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cachedBundle, originalLocations } from "../index.mjs";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "faultline-bundle-cache-"));
  mkdirSync(join(root, "src"));
  writeFileSync(
    join(root, "src", "dep.ts"),
    `export const where: string = import.meta.url;\nexport const answer = 41;\n`,
  );
  writeFileSync(
    join(root, "src", "main.ts"),
    `import { answer, where } from "./dep.ts";\nexport const value = answer + 1;\nexport { where };\n`,
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const spec = (key = "k") => ({
  dir: join(root, "cache"),
  name: "main",
  key,
  options: { entryPoints: [join(root, "src", "main.ts")], absWorkingDir: root, plugins: [originalLocations()] },
});

/** Import a bundle file afresh (a query string defeats the module cache). */
async function load(file: string): Promise<{ value: number; where: string }> {
  return (await import(`${pathToFileURL(file).href}?t=${Date.now()}${Math.random()}`)) as {
    value: number;
    where: string;
  };
}

describe("cachedBundle", () => {
  it("builds once, then reuses the bundle while no source changed", async () => {
    const first = await cachedBundle(spec());
    expect(first.built).toBe(true);
    expect((await load(first.file)).value).toBe(42);
    const second = await cachedBundle(spec());
    expect(second).toEqual({ file: first.file, built: false });
  });

  it("rebuilds when a source file the bundle was made from changes", async () => {
    const first = await cachedBundle(spec());
    writeFileSync(join(root, "src", "dep.ts"), `export const where = "";\nexport const answer = 99;\n`);
    // same size is not enough to hide a change: the modification time differs too
    utimesSync(join(root, "src", "dep.ts"), new Date(), new Date(Date.now() + 5000));
    const second = await cachedBundle(spec());
    expect(second.built).toBe(true);
    expect(second.file).not.toBe(first.file);
    expect((await load(second.file)).value).toBe(100);
  });

  it("rebuilds when the caller's key changes, and keeps the replaced folder for running processes", async () => {
    const first = await cachedBundle(spec("a"));
    const second = await cachedBundle(spec("b"));
    expect(second.built).toBe(true);
    const folders = readdirSync(join(root, "cache")).filter((d) => !d.endsWith(".json"));
    expect(folders).toHaveLength(2);
    expect((await load(first.file)).value).toBe(42);
  });

  it("keeps each module's own import.meta.url", async () => {
    const { file } = await cachedBundle(spec());
    expect((await load(file)).where).toBe(pathToFileURL(join(root, "src", "dep.ts")).href);
  });

  it("fails the build (so a caller can fall back) on import.meta.resolve with a computed argument", async () => {
    writeFileSync(
      join(root, "src", "dep.ts"),
      `const name = "x";\nexport const where = import.meta.resolve(name);\nexport const answer = 1;\n`,
    );
    await expect(cachedBundle(spec())).rejects.toThrow(/computed argument/);
  });
});
