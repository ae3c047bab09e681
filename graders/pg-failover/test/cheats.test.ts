/**
 * The cheat suite of the pg-failover lab: controllers that try to win points without the work,
 * graded as a learner's `--impl <dir>` would be. The controller runs in a process under Node's
 * permission model (it may reach the servers over TCP only), while the servers, the clients'
 * log and every check stay in the grading process. Each attempt must fail with a reason that
 * names what happened and score 0.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { WorkerPool, type ScenarioResult } from "@faultline/grading";
import { firstFailureText, gradeOneTest } from "@faultline/grading/vitest";
import { lab } from "../src/index.ts";
import { checkLoads } from "../src/controller-process.ts";
import { findBindir } from "../src/postgres.ts";

const GRADER = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const CHEATS = fileURLToPath(new URL("./cheats/", import.meta.url));
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const FAILOVER = "the killed primary is replaced and writes resume";
const T = 180_000;

const pool = new WorkerPool(1);
afterAll(() => pool.close());

const grade = (cheat: string, test: string): Promise<ScenarioResult> =>
  gradeOneTest(lab, GRADER, join(CHEATS, cheat), test, { seeds: [1], pool });

describe("what the bundle cannot reach does not load", () => {
  const cases: Array<[cheat: string, why: RegExp]> = [
    ["reexport-reference", /outside the folders this implementation may use/],
    ["spawn-at-load", /loading it failed .*Access to this API has been restricted/s],
  ];
  for (const [cheat, why] of cases) {
    it(
      cheat,
      async () => {
        await expect(checkLoads(join(CHEATS, cheat, "index.ts"))).rejects.toThrow(why);
      },
      T,
    );
  }
  it(
    "the reference and the stubs load",
    async () => {
      await checkLoads(join(REPO, "labs/pg-failover/reference/index.ts"));
      await checkLoads(join(REPO, "labs/pg-failover/src/index.ts"));
    },
    T,
  );
});

describe.skipIf(!findBindir())("a cheating controller scores 0, with the reason", () => {
  const cases: Array<[cheat: string, why: RegExp]> = [
    [
      "exit-in-constructor",
      /the process running your FailoverController ended \(exit code 0: did your code call process\.exit\?\)/,
    ],
    // It may not start pg_ctl: its ticks fail, nobody promotes, and clients find no primary.
    ["promote-by-itself", /writes are acknowledged before the failure|writes recover within the bound/],
  ];
  for (const [cheat, why] of cases) {
    it(
      cheat,
      async () => {
        const r = await grade(cheat, FAILOVER);
        expect(r.earned, firstFailureText(r)).toBe(0);
        expect(r.status, firstFailureText(r)).toBe("fail");
        expect(firstFailureText(r)).toMatch(why);
      },
      T,
    );
  }
});
