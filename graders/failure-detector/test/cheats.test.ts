/**
 * Detectors that game one side of the trade-off score nothing: one that never suspects anyone
 * (perfectly accurate, never complete) and one that suspects every peer all the time (every
 * crash "detected" at once); in Part C, a member whose view says everyone is alive, or every
 * other member dead. Each heartbeats like an honest node, so only the measurements of
 * detection and of false suspicions can tell them apart from a real detector.
 */
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { gradeScenario, WorkerPool } from "@faultline/grading";
import { lab } from "../src/index.ts";

const GRADER = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const CHEATS = fileURLToPath(new URL("./cheats/", import.meta.url));
const pool = new WorkerPool(2);
afterAll(() => pool.close());

const cases: Array<[cheat: string, why: RegExp]> = [
  [
    "never-suspects",
    /still did not suspect|never suspected|phi is 0|phi\(|only \d of its 4 peers|still wrong|still hold|nobody suspected it|never did|without probing/,
  ],
  [
    "suspects-everyone",
    /suspected|phi is 0 before the first heartbeat|false suspicions|of the time|still wrong|did not converge/,
  ],
];

describe("a detector that games one side of the trade-off scores 0", () => {
  for (const [cheat, why] of cases) {
    for (const s of lab.scenarios) {
      it(`${cheat}: ${s.name}`, async () => {
        const r = await gradeScenario(lab, s, {
          lab: lab.lab,
          graderModule: GRADER,
          impl: `${CHEATS}${cheat}`,
          seeds: [1],
          pool,
        });
        const failure = `${r.firstFailure?.failure?.invariant ?? ""}: ${r.firstFailure?.failure?.message ?? ""}`;
        expect(r.status, failure).toBe("fail");
        expect(r.earned).toBe(0);
        expect(failure).toMatch(why);
      }, 180_000);
    }
  }
});
