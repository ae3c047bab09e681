/** Mutants as patches: the applier, the diff writer, staging, and every mutant of the course applying to its reference. */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  applyFilePatch,
  knownLabs,
  labDir,
  listMutants,
  mutantFiles,
  parsePatch,
  PatchError,
  saveEdit,
  stageMutant,
  startEdit,
  unifiedDiff,
} from "../src/index.ts";

const ECHO_ROOT = fileURLToPath(new URL("../fixtures/echo", import.meta.url));
const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** A copy of the echo fixture lab (src, reference, mutants) in a temporary folder. */
function echoCopy(): string {
  const root = mkdtempSync(join(tmpdir(), "faultline-mutants-"));
  temps.push(root);
  for (const d of ["src", "reference", "mutants"])
    cpSync(join(ECHO_ROOT, d), join(root, "echo", d), { recursive: true });
  return join(root, "echo");
}

const FILE = `${["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"].map((l) => `line ${l}`).join("\n")}\n`;

// As `git diff --no-index` writes it, headers included.
const GIT_PATCH = `diff --git a/f.ts b/f.ts
index 1111111..2222222 100644
--- a/f.ts
+++ b/f.ts
@@ -2,3 +2,3 @@ line a
 line b
-line c
+line C
 line d
@@ -8,3 +8,4 @@ line g
 line h
 line i
 line j
+line k
`;

describe("the patch applier", () => {
  it("applies a patch written by git diff", () => {
    const [p] = parsePatch(GIT_PATCH);
    expect(p!.newPath).toBe("f.ts");
    expect(applyFilePatch(FILE, p!)).toBe(`${FILE.replace("line c", "line C")}line k\n`);
  });

  it("finds a hunk that moved, but only where every line matches", () => {
    const moved = `new first line\nanother\n${FILE}`;
    const [p] = parsePatch(GIT_PATCH);
    expect(applyFilePatch(moved, p!)).toBe(`new first line\nanother\n${FILE.replace("line c", "line C")}line k\n`);
  });

  it("refuses a stale hunk, naming the hunk and the line that differs", () => {
    const [p] = parsePatch(GIT_PATCH);
    const edited = FILE.replace("line d", "line D");
    expect(() => applyFilePatch(edited, p!)).toThrow(PatchError);
    expect(() => applyFilePatch(edited, p!)).toThrow(
      'hunk 1 of 2 (@@ -2,3 +2,3 @@ line a) of f.ts does not apply: line 4 is "line D" where the patch expects "line d"',
    );
  });

  it("reads a cut-off patch as an error, not as a smaller change", () => {
    expect(() => parsePatch(GIT_PATCH.split("\n").slice(0, 8).join("\n"))).toThrow(
      /hunk @@ -2,3 \+2,3 @@ line a ends early/,
    );
  });

  it("writes diffs that apply back, for many random edits", () => {
    let state = 7;
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    for (let round = 0; round < 200; round++) {
      const before = Array.from({ length: 5 + rand(40) }, () => `x${rand(6)}`);
      const after = [...before];
      for (let e = 0; e < 1 + rand(4); e++) {
        const at = rand(after.length + 1);
        const kind = rand(3);
        if (kind === 0) after.splice(at, 1);
        else if (kind === 1) after.splice(at, 0, `new${rand(100)}`);
        else after.splice(at, 1, `changed${rand(100)}`);
      }
      const a = `${before.join("\n")}\n`;
      const b = after.length === 0 ? "" : `${after.join("\n")}\n`;
      const diff = unifiedDiff("f.ts", a, b);
      if (a === b) expect(diff).toBe("");
      else expect(applyFilePatch(a, parsePatch(diff)[0]!)).toBe(b);
    }
  });
});

describe("a mutant as a patch", () => {
  it("is staged beside reference/ and reused while nothing changes", () => {
    const lab = echoCopy();
    const staged = stageMutant(lab, "wrong-text");
    expect(staged).toBe(join(lab, ".mutant-wrong-text"));
    expect(readFileSync(join(staged, "index.ts"), "utf8")).toContain("msg.text.toUpperCase()");
    const marker = join(staged, "marker");
    writeFileSync(marker, "");
    expect(stageMutant(lab, "wrong-text")).toBe(staged);
    expect(existsSync(marker)).toBe(true);
    // a change of the reference makes a new copy
    const ref = join(lab, "reference", "index.ts");
    writeFileSync(ref, `// a comment at the top\n${readFileSync(ref, "utf8")}`);
    stageMutant(lab, "wrong-text");
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(join(staged, "index.ts"), "utf8")).toMatch(/^\/\/ a comment at the top\n[\s\S]*toUpperCase/);
  });

  it("that no longer applies is an error naming the mutant and the hunk", () => {
    const lab = echoCopy();
    const ref = join(lab, "reference", "index.ts");
    writeFileSync(ref, readFileSync(ref, "utf8").replace("this.answered++;", "this.answered += 1;"));
    expect(() => stageMutant(lab, "wrong-text")).toThrow(PatchError);
    expect(() => stageMutant(lab, "wrong-text")).toThrow(
      /^mutant echo\/wrong-text no longer applies to reference\/: hunk 1 of 1 \(@@ -12,7 \+12,7 @@\) of index.ts does not apply: line 14 is " {4}this.answered \+= 1;" where the patch expects " {4}this.answered\+\+;"/,
    );
  });

  it("is written by editing a copy of the reference", () => {
    const lab = echoCopy();
    const { dir } = startEdit(lab, "no-count");
    writeFileSync(
      join(dir, "index.ts"),
      readFileSync(join(dir, "index.ts"), "utf8").replace("    this.answered++;\n", ""),
    );
    const r = saveEdit(lab, "no-count");
    expect(r.changed).toBe(1);
    expect(r.metaWritten).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(readFileSync(r.patch, "utf8")).toContain("-    this.answered++;\n");
    expect(mutantFiles(lab, "no-count").get("index.ts")).not.toContain("answered++");
    // editing it again starts from the mutant, not the reference
    expect(readFileSync(join(startEdit(lab, "no-count").dir, "index.ts"), "utf8")).not.toContain("answered++");
  });

  it("without a patch file is an error that says how to write one", () => {
    const lab = echoCopy();
    mkdirSync(join(lab, "mutants", "empty"));
    expect(() => mutantFiles(lab, "empty")).toThrow(
      "mutant echo/empty has no empty.patch (a unified diff against reference/; write one with: pnpm faultline mutant edit echo empty)",
    );
  });
});

describe("every mutant of the course", () => {
  const labs = knownLabs().filter((l) => existsSync(join(labDir(l), "reference")));
  it.each(labs)("%s: every patch applies to the current reference", (lab) => {
    const broken: string[] = [];
    for (const m of listMutants(lab)) {
      try {
        mutantFiles(labDir(lab), m.name);
      } catch (err) {
        broken.push((err as Error).message);
      }
    }
    expect(broken).toEqual([]);
  });
});
