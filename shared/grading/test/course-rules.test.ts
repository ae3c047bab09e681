import { describe, expect, it } from "vitest";
import { lab } from "../fixtures/echo/grader.ts";
import { testsWithoutHint, testsWithoutMutant, type MutantInfo } from "../src/index.ts";

const mutant = (targets: string[]): MutantInfo => ({ name: "m", bug: "b", targets, dir: "", patch: "" });

describe("the course rules", () => {
  it("name the tests no mutant targets", () => {
    expect(testsWithoutMutant(lab, [mutant(["echo under loss"])])?.text).toMatch(
      /^tests no mutant targets: "echo on a clean network"/,
    );
    expect(testsWithoutMutant(lab, [mutant(["echo under loss"]), mutant(["echo on a clean network"])])).toBeUndefined();
    expect(testsWithoutMutant(lab, [])?.text).toContain('"echo under loss", "echo on a clean network"');
  });

  it("name the tests without a hint", () => {
    expect(testsWithoutHint(lab)).toBeUndefined();
    const bare = { ...lab, scenarios: [{ ...lab.scenarios[0]!, hints: [" "] }] };
    expect(testsWithoutHint(bare)?.text).toBe('tests without a hint: "echo under loss"');
  });
});
