/**
 * The cheat suite: submissions that try to get points without the work, graded as a learner's
 * `--impl <dir>` would be. Each is the g-counter stub plus one attempt on the grade itself
 * (forged reports, a patched simulator, the reference re-exported, process exits, hidden
 * nondeterminism, memory bombs, endless loops, poisoned built-ins). None may score more than
 * the honest stub (0), hang the run, or put anything into machine-readable output.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { gradeThroughCli } from "@faultline/grading/vitest";
import { gradeScenario, WorkerPool, type ScenarioResult } from "@faultline/grading";
import { lab } from "../src/index.ts";

const GRADER = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const CHEATS = fileURLToPath(new URL("./cheats/", import.meta.url));
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const pool = new WorkerPool(2);
afterAll(() => pool.close());

/** A test graded on the grader's own realm (direct calls) and one on simulated nodes. */
const DIRECT = "increment and value";
const NODES = "adds and reads on a reliable network";

/**
 * `handlerTimeoutMs` lengthens the watchdog for the memory tests: on a busy machine, filling
 * 512 MiB can take longer than the default 2 s, and those tests are about the memory limit.
 */
async function grade(
  cheat: string,
  test: string,
  seeds: number[] = [1, 2],
  handlerTimeoutMs?: number,
): Promise<ScenarioResult> {
  const found = lab.scenarios.find((s) => s.name === test);
  if (!found) throw new Error(`no test "${test}"`);
  const scenario = handlerTimeoutMs === undefined ? found : { ...found, handlerTimeoutMs };
  return gradeScenario(lab, scenario, { lab: lab.lab, graderModule: GRADER, impl: join(CHEATS, cheat), seeds, pool });
}

function failure(r: ScenarioResult): string {
  return `${r.firstFailure?.failure?.invariant ?? ""}: ${r.firstFailure?.failure?.message ?? ""}`;
}

const T = 90_000;

describe("a cheat scores what the honest stub scores (0)", () => {
  const cases: Array<[cheat: string, test: string, why: RegExp]> = [
    ["post-message", DIRECT, /imports the host module "node:worker_threads"/],
    ["patch-simulator", NODES, /No matching export .* "Simulation"/],
    ["reexport-reference", DIRECT, /outside the folders this implementation may use/],
    ["reexport-reference-package", DIRECT, /imports the package "@faultline\/lab-g-counter\/reference"/],
    ["process-exit", DIRECT, /used process\.exit: a node has no process/],
    ["process-exit-in-handler", NODES, /used process\.kill: a node has no process/],
    ["fake-report", DIRECT, /not implemented/],
    ["overwrite-bridge", DIRECT, /read.only|Cannot assign/],
    ["prototype-pollution", NODES, /not implemented|threw/],
    ["throwing-proxy", DIRECT, /gotcha/],
    ["nondeterminism", NODES, /all 13 sources of hidden input were refused/],
    ["random-at-top", DIRECT, /called Math\.random\(\).*use env\.random\(\)/],
    ["async-escape", NODES, /.+/],
  ];
  for (const [cheat, test, why] of cases) {
    it(
      cheat,
      async () => {
        const r = await grade(cheat, test);
        expect(r.earned, failure(r)).toBe(0);
        expect(r.status).not.toBe("pass");
        expect(failure(r)).toMatch(why);
      },
      T,
    );
  }
});

describe("a submission cannot hang or exhaust the grader", () => {
  it(
    "an endless loop while loading is stopped and named",
    async () => {
      const r = await grade("endless-module", DIRECT, [1]);
      expect(r.earned).toBe(0);
      expect(failure(r)).toMatch(/did not return from loading your module within 2 s/);
    },
    T,
  );

  it(
    "an endless getter read by the grader is stopped and named",
    async () => {
      const r = await grade("endless-getter", DIRECT, [1]);
      expect(r.earned).toBe(0);
      expect(failure(r)).toMatch(/did not return from a call from the grader/);
    },
    T,
  );

  it(
    "unbounded allocation while loading fails the seed at the memory limit",
    async () => {
      const r = await grade("memory-bomb-module", DIRECT, [1], 20_000);
      expect(r.earned).toBe(0);
      expect(failure(r)).toMatch(/memory limit of 512 MiB exceeded/);
    },
    T,
  );

  it(
    "unbounded allocation in a handler names the handler",
    async () => {
      const r = await grade("memory-bomb-handler", NODES, [1], 20_000);
      expect(r.earned).toBe(0);
      expect(failure(r)).toMatch(/memory limit of 512 MiB exceeded in n\d's start\(env\)/);
    },
    T,
  );
});

describe("machine-readable output stays the grader's", () => {
  it(
    "a report printed by learner code reaches neither stdout nor the results file",
    async () => {
      const { stdout, results } = await gradeThroughCli(
        REPO,
        ["g-counter", "--impl", join(CHEATS, "fake-report"), "--only", DIRECT],
        60_000,
      );
      expect(stdout).not.toContain('"earned":100');
      expect(results.earned).toBe(0);
      expect(results.possible).toBeGreaterThan(0);
    },
    T,
  );
});
