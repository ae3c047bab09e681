/**
 * The cheat suite of the idempotency-api lab: submissions whose handler or client tries to win
 * points without the work, graded as a learner's `--impl <dir>` would be. The handler runs in a
 * server process and the client in a client process, both under Node's permission model, while
 * the provider's ledger and every check stay in the grading process. Each attempt must fail with
 * a reason that names what happened, score 0, and leave no trace outside its own process.
 */
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { firstFailureText, gradeOneTest, gradeThroughCli } from "@faultline/grading/vitest";
import { WorkerPool, type ScenarioResult } from "@faultline/grading";
import { pgliteTemplate } from "@faultline/lab-idempotency-api/framework";
import { lab } from "../src/index.ts";
import { checkLoads } from "../src/learner-bundle.ts";

const GRADER = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const CHEATS = fileURLToPath(new URL("./cheats/", import.meta.url));
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const HANDLER_TEST = "first charge and replay";
const CLIENT_TEST = "client stops on final answers";
const T = 180_000;

if (!process.env.DATABASE_URL) await pgliteTemplate();
const pool = new WorkerPool(2);
afterAll(() => pool.close());

const grade = (cheat: string, test: string): Promise<ScenarioResult> =>
  gradeOneTest(lab, GRADER, join(CHEATS, cheat), test, { seeds: [1], pool });

describe("a cheating handler or client scores 0, with the reason", () => {
  const cases: Array<[cheat: string, test: string, why: RegExp]> = [
    // The server process may read its bundle and the database packages only.
    ["read-reference", HANDLER_TEST, /the handler threw: Error: Access to this API has been restricted/],
    // ... write only its database directory ...
    ["write-outside", HANDLER_TEST, /the handler threw: Error: Access to this API has been restricted/],
    // ... and start no process.
    ["spawn-process", HANDLER_TEST, /the handler threw: Error: Access to this API has been restricted/],
    // The ledger is in the grading process: the forged entry lands nowhere.
    ["patch-ledger", HANDLER_TEST, /was never charged at the provider/],
    [
      "process-exit",
      HANDLER_TEST,
      /the server process exited with code 0 \(did your code call process\.exit\?\) while handling requests/,
    ],
    [
      "client-process-exit",
      CLIENT_TEST,
      /the process running your PaymentsClient ended while createCharge was running \(exit code 0\): did your code call process\.exit/,
    ],
  ];
  for (const [cheat, test, why] of cases) {
    it(
      cheat,
      async () => {
        const r = await grade(cheat, test);
        expect(r.earned, firstFailureText(r)).toBe(0);
        expect(r.status, firstFailureText(r)).toBe("fail");
        expect(firstFailureText(r)).toMatch(why);
      },
      T,
    );
  }

  it("nothing was written outside the server's database directory", () => {
    expect(existsSync(join(tmpdir(), "faultline-idem-cheat-written.json"))).toBe(false);
  });
});

describe("what the bundle cannot reach does not load", () => {
  const cases: Array<[cheat: string, why: RegExp]> = [
    [
      "reexport-reference",
      /imports "[^"]*reference\/index\.ts" \(labs\/idempotency-api\/reference\/index\.ts\), which is outside the folders this implementation may use/,
    ],
    ["import-package", /index\.ts:2:\d+: imports the package "@faultline\/grading"/],
    ["exit-while-loading", /loading it failed \(exit code 0\)/],
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
      await checkLoads(join(REPO, "labs/idempotency-api/reference/index.ts"));
      await checkLoads(join(REPO, "labs/idempotency-api/src/index.ts"));
    },
    T,
  );
});

describe("the grade is the grader's", () => {
  it(
    "a server that ends its process gets 0 in the results file the grader writes",
    async () => {
      const { results } = await gradeThroughCli(
        REPO,
        ["idempotency-api", "--impl", join(CHEATS, "process-exit"), "--only", HANDLER_TEST],
        150_000,
      );
      expect(results.earned).toBe(0);
      expect(results.possible).toBeGreaterThan(0);
    },
    T,
  );
});
