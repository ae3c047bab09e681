/** The layering check finds every way shared/ can reach a lab or a grader, and passes this repository. */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDirs } from "@faultline/testkit/temp-dir";
import { findLayeringViolations } from "./layering.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const CHECK = fileURLToPath(new URL("./check-layering.ts", import.meta.url));

const freshRoot = tempDirs("faultline-layering-");

function tree(files: Record<string, string>): string {
  const root = freshRoot();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const clean = {
  "shared/net/package.json": JSON.stringify({
    name: "@faultline/net",
    dependencies: { "@faultline/sim": "workspace:*" },
  }),
  "shared/net/src/ok.ts": [
    'import { Simulation } from "@faultline/sim";',
    'import { join } from "node:path";',
    '// a comment may say: import x from "@faultline/lab-raft"',
    '/* or: new URL("../../../labs/raft/reference/index.ts", import.meta.url) */',
    'const labs = join(root, "labs", lab); // found at run time by name',
    'export const url = "http://localhost:8001"; // not a comment start',
  ].join("\n"),
  "labs/raft/src/index.ts": 'import { Simulation } from "@faultline/sim";',
  "graders/raft/src/index.ts": 'import * as Raft from "@faultline/lab-raft";',
};

describe("layering check", () => {
  it("passes a tree where shared/ imports only shared packages (and labs import shared)", () => {
    expect(findLayeringViolations(tree(clean))).toEqual([]);
  });

  it("finds an import of a lab or grader package, by name, in every form", () => {
    const root = tree({
      ...clean,
      "shared/net/src/bad.ts": [
        'import type { RaftNode } from "@faultline/lab-raft";',
        'export { lab } from "@faultline/grader-raft";',
        'const m = await import("@faultline/lab-raft/reference");',
        'const r = require("@faultline/grader-raft");',
        'import "@faultline/lab-g-counter";',
      ].join("\n"),
    });
    const found = findLayeringViolations(root);
    expect(found.map((v) => [v.file, v.line, v.specifier])).toEqual([
      ["shared/net/src/bad.ts", 1, "@faultline/lab-raft"],
      ["shared/net/src/bad.ts", 2, "@faultline/grader-raft"],
      ["shared/net/src/bad.ts", 3, "@faultline/lab-raft/reference"],
      ["shared/net/src/bad.ts", 4, "@faultline/grader-raft"],
      ["shared/net/src/bad.ts", 5, "@faultline/lab-g-counter"],
    ]);
  });

  it("finds a path into labs/ or graders/: relative imports, file URLs, import.meta.resolve", () => {
    const root = tree({
      ...clean,
      "shared/net/test/bad.test.ts": [
        'import { RaftNode } from "../../../labs/raft/reference/index.ts";',
        'const REF = new URL("../../../labs/raft/reference/index.ts", import.meta.url);',
        'const G = import.meta.resolve("../../../graders/raft/src/index.ts");',
        'import { x } from "../src/ok.ts";',
      ].join("\n"),
    });
    const found = findLayeringViolations(root);
    expect(found.map((v) => [v.line, v.why])).toEqual([
      [1, "a path into labs/"],
      [2, "a path into labs/"],
      [3, "a path into graders/"],
    ]);
  });

  it("finds a lab or grader in a shared package's dependencies", () => {
    const root = tree({
      ...clean,
      "shared/net/package.json": JSON.stringify(
        {
          name: "@faultline/net",
          dependencies: { "@faultline/sim": "workspace:*", "@faultline/lab-raft": "workspace:*" },
          devDependencies: { helper: "link:../../graders/raft" },
        },
        null,
        2,
      ),
    });
    expect(findLayeringViolations(root).map((v) => v.specifier)).toEqual([
      "dependencies.@faultline/lab-raft",
      "devDependencies.helper",
    ]);
  });

  it("the command exits 1 and names the file and line of each dependency", () => {
    const root = tree({ ...clean, "shared/cli/src/cmd.ts": '\n\nimport { lab } from "@faultline/grader-raft";\n' });
    const r = spawnSync(process.execPath, ["--import", "tsx", CHECK, root], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('shared/cli/src/cmd.ts:3: "@faultline/grader-raft" is a lab or grader package');
    const ok = spawnSync(process.execPath, ["--import", "tsx", CHECK, tree(clean)], { encoding: "utf8" });
    expect(ok.status).toBe(0);
  }, 60_000);

  it("this repository's shared/ depends on no lab and no grader", () => {
    expect(findLayeringViolations(REPO)).toEqual([]);
  });
});
