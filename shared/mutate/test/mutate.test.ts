import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { tempDirs } from "@faultline/testkit/temp-dir";
import { acquireLock, LockHeld } from "../src/lock.ts";
import { activationLine, stageActiveMutant } from "../src/active-mutant.ts";
import { fingerprint, forgetSurvivors } from "../src/fingerprint.ts";
import { guardReference, referenceIsClean } from "../src/reference-guard.ts";
import { score, scoreLine, survivorLines, type MutantOutcome } from "../src/summary.ts";
import { onlyParts } from "../src/grade-service.ts";
import type { LabGrader } from "@faultline/grading";

const tmp = tempDirs("faultline-mutate-");

/** What Stryker's instrumenter writes around a mutant (its header, shortened to what matters). */
const INSTRUMENTED = `function stryNS_9fa48() {
  var g = typeof globalThis === 'object' && globalThis && globalThis.Math === Math && globalThis || new Function("return this")();
  var ns = g.__stryker__ || (g.__stryker__ = {});
  if (ns.activeMutant === undefined && g.process && g.process.env && g.process.env.__STRYKER_ACTIVE_MUTANT__) {
    ns.activeMutant = g.process.env.__STRYKER_ACTIVE_MUTANT__;
  }
  function retrieveNS() { return ns; }
  stryNS_9fa48 = retrieveNS;
  return retrieveNS();
}
stryNS_9fa48();
function stryMutAct_9fa48(id) { return stryNS_9fa48().activeMutant === id; }
result = stryMutAct_9fa48("7") ? "mutated" : "original";
`;

describe("the active mutant reaches code that has no process", () => {
  const poisoned = () => ({
    result: undefined as unknown,
    process: new Proxy(
      {},
      {
        get: () => {
          throw new Error("a node has no process");
        },
      },
    ),
  });

  it("switches on the named mutant only", () => {
    const ctx = poisoned();
    runInNewContext(activationLine("7") + INSTRUMENTED, ctx);
    expect(ctx.result).toBe("mutated");
    const other = poisoned();
    runInNewContext(activationLine("8") + INSTRUMENTED, other);
    expect(other.result).toBe("original");
  });

  it("keeps every switch off in the dry run without touching process", () => {
    const ctx = poisoned();
    runInNewContext(activationLine(undefined) + INSTRUMENTED, ctx);
    expect(ctx.result).toBe("original");
    expect(() => runInNewContext(INSTRUMENTED, poisoned())).toThrow(/no process/);
  });

  it("stages a copy with the line in instrumented files only", () => {
    const dir = tmp();
    mkdirSync(join(dir, "ref", "sub"), { recursive: true });
    writeFileSync(join(dir, "ref", "a.ts"), INSTRUMENTED);
    writeFileSync(join(dir, "ref", "sub", "b.ts"), "export const b = 1;\n");
    writeFileSync(join(dir, "out-stale.ts"), "");
    expect(stageActiveMutant(join(dir, "ref"), join(dir, "out"), "3")).toBe(1);
    expect(readFileSync(join(dir, "out", "a.ts"), "utf8").startsWith(activationLine("3"))).toBe(true);
    expect(readFileSync(join(dir, "out", "sub", "b.ts"), "utf8")).toBe("export const b = 1;\n");
  });
});

describe("one mutation run per checkout", () => {
  it("refuses while the holder lives and takes over a dead holder's lock", () => {
    const file = join(tmp(), "mutate.lock");
    const release = acquireLock(file, "g-counter");
    expect(() => acquireLock(file, "quorum-kv")).toThrow(LockHeld);
    release();
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345, lab: "raft", started: "then" }));
    const again = acquireLock(file, "quorum-kv");
    expect(JSON.parse(readFileSync(file, "utf8")).lab).toBe("quorum-kv");
    again();
  });
});

describe("incremental results and the grader", () => {
  it("changes the fingerprint when a grader file changes", () => {
    const root = tmp();
    mkdirSync(join(root, "g"));
    writeFileSync(join(root, "g", "part-a.ts"), "a");
    const before = fingerprint(root, [join(root, "g")]);
    writeFileSync(join(root, "g", "part-a.ts"), "b");
    expect(fingerprint(root, [join(root, "g")])).not.toBe(before);
  });

  it("forgets survivors but keeps killed mutants", () => {
    const file = join(tmp(), "inc.json");
    writeFileSync(
      file,
      JSON.stringify({
        files: {
          "a.ts": {
            mutants: [{ status: "Killed" }, { status: "Survived" }, { status: "Timeout" }, { status: "NoCoverage" }],
          },
        },
      }),
    );
    expect(forgetSurvivors(file)).toBe(2);
    expect(JSON.parse(readFileSync(file, "utf8")).files["a.ts"].mutants).toEqual([
      { status: "Killed" },
      { status: "Timeout" },
    ]);
  });
});

describe("an interrupted in-place run", () => {
  it("is undone from the clean copy", () => {
    const dir = tmp();
    const ref = join(dir, "reference");
    const backup = join(dir, "backup");
    mkdirSync(ref);
    writeFileSync(join(ref, "a.ts"), "export const a = 1;\n");
    expect(guardReference(ref, backup)).toBeUndefined();
    writeFileSync(join(ref, "a.ts"), INSTRUMENTED);
    expect(referenceIsClean(ref)).toBe(false);
    expect(guardReference(ref, backup)).toMatch(/restored 1/);
    expect(readFileSync(join(ref, "a.ts"), "utf8")).toBe("export const a = 1;\n");
  });
});

describe("the summary", () => {
  const m = (status: string, line: number, replacement: string): MutantOutcome => ({
    id: String(line),
    fileName: "/c/labs/x/reference/a.ts",
    mutatorName: "ArithmeticOperator",
    replacement,
    status,
    location: { start: { line: line + 1, column: 8 }, end: { line: line + 1, column: 13 } },
  });
  it("scores detected over valid mutants and lists survivors with their code", () => {
    const results = [
      m("Killed", 0, "a - b"),
      m("Timeout", 1, "a - b"),
      m("Survived", 1, "a * b"),
      m("CompileError", 0, "x"),
    ];
    const s = score(results);
    expect(s.percent).toBeCloseTo(66.67, 1);
    expect(scoreLine(s)).toMatch(/2 of 3 mutants killed/);
    const lines = survivorLines(results, "/c", () => "line zero\nreturn a + b;\n");
    expect(lines).toEqual(["labs/x/reference/a.ts:2:8 ArithmeticOperator: a + b → a * b"]);
  });
});

describe("--part", () => {
  const lab = {
    lab: "toy",
    title: "Toy",
    scenarios: [
      { part: "A", name: "a1" },
      { part: "B", name: "b1" },
      { part: "C", name: "c1" },
      { part: "C", name: "c2" },
    ],
  } as unknown as LabGrader;

  it("grades each mutant with the tests of the parts given, every test without one", () => {
    expect(onlyParts(lab, ["C"]).scenarios.map((s) => s.name)).toEqual(["c1", "c2"]);
    expect(onlyParts(lab, ["A", "C"]).scenarios.map((s) => s.name)).toEqual(["a1", "c1", "c2"]);
    expect(onlyParts(lab, [])).toBe(lab);
  });

  it("names the parts the lab has when given one it has not", () => {
    expect(() => onlyParts(lab, ["E"])).toThrow(/toy has no part E; its parts: A, B, C/);
  });
});
