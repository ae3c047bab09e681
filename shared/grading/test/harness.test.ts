import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  formatFailure,
  gradeScenario,
  listMutants,
  loadGrader,
  loadImpl,
  resolveImpl,
  WorkerPool,
  type ScenarioResult,
} from "../src/index.ts";
import { ECHO_GRADER, ECHO_ROOT, STALLED_GRADER, tempDir, removeTemp } from "./helpers.ts";

const lab = await loadGrader(ECHO_GRADER);
const pool = new WorkerPool(2);
afterAll(() => pool.close());
const loss = lab.scenarios.find((s) => s.name === "echo under loss")!;
const traceDir = tempDir();

function grade(impl: string, extra: Partial<Parameters<typeof gradeScenario>[2]> = {}): Promise<ScenarioResult> {
  return gradeScenario(lab, loss, { lab: "echo", graderModule: ECHO_GRADER, impl, pool, traceDir, ...extra });
}

afterAll(removeTemp);

describe("failure reports", () => {
  it("name the invariant, time, first seed, replay command, trace files and the first hint", async () => {
    const r = await grade("mutant:wrong-text");
    expect(r.status).toBe("fail");
    expect(r.earned).toBe(0);
    const f = r.firstFailure!;
    expect(f.seed).toBe(1);
    expect(f.failure?.invariant).toBe("echo is exact");
    expect(f.failure?.message).toMatch(/sent "hello \d+", got back "HELLO \d+"/);
    expect(f.failure?.t).toBeGreaterThan(0);
    expect(r.replay).toBe(
      'pnpm faultline grade echo --only "echo under loss" --seed 1 --impl mutant:wrong-text --trace',
    );
    for (const ext of [".html", ".json", ".txt", ".shiviz.log"])
      expect(f.traceFiles.some((p) => p.endsWith(ext) && existsSync(p))).toBe(true);
    // one set of trace files per failing scenario: the other failing seeds leave none
    expect(r.seeds.filter((s) => s.status === "fail")).toHaveLength(4);
    expect(existsSync(join(traceDir, "echo-under-loss.seed2.json"))).toBe(false);
    expect(r.seeds.slice(1).every((s) => s.traceFiles.length === 0)).toBe(true);
    const text = formatFailure(r, { cwd: traceDir });
    expect(text).toContain('✗ echo A "echo under loss": 4 of 4 seeds failed');
    expect(text).toContain("invariant: echo is exact (t=");
    expect(text).toContain("first failing seed: 1");
    expect(text).toContain(`replay: ${r.replay}`);
    expect(text).toContain("trace: echo-under-loss.seed1.html (also .json, .txt, .shiviz.log)");
    expect(text).toContain(`hint: ${loss.hints[0]}`);
    // the trace records the violation
    const json = JSON.parse(readFileSync(f.traceFiles.find((p) => p.endsWith(".json"))!, "utf8"));
    expect(json.violation.invariant).toBe("echo is exact");
  }, 60_000);

  it("report an endless loop through the watchdog, with node, handler and virtual time", async () => {
    const r = await grade("mutant:endless-loop", { seeds: [1] });
    expect(r.status).toBe("fail");
    expect(r.firstFailure?.status).toBe("timeout");
    expect(r.firstFailure?.failure?.message).toMatch(
      /^n1 did not return from onMessage\(echo from c1\) within 500 ms at t=\d+(\.\d+)? ms/,
    );
    expect(formatFailure(r)).toContain("invariant: watchdog (learner code did not return) (n1, t=");
    // the seed was replayed up to the call that never returned, so the trace exists
    const json = r.firstFailure!.traceFiles.find((f) => f.endsWith(".json"))!;
    const trace = JSON.parse(readFileSync(json, "utf8"));
    expect(trace.violation.invariant).toBe("watchdog");
    expect(trace.events.at(-1).kind).toBe("deliver");
  }, 60_000);

  it("tell a test that stopped driving its simulation, and a busy one, from learner code that did not return", async () => {
    const defective = await loadGrader(STALLED_GRADER);
    const run = (name: string) =>
      gradeScenario(defective, defective.scenarios.find((s) => s.name === name)!, {
        lab: "echo",
        graderModule: STALLED_GRADER,
        impl: "reference",
        pool,
        traceDir,
      });
    const stalled = await run("a call awaited outside the simulation");
    expect(stalled.firstFailure?.status).toBe("timeout");
    expect(stalled.firstFailure?.failure?.invariant).toBe("test stalled");
    expect(stalled.firstFailure?.failure?.message).toMatch(
      /^the test stopped driving its simulation: no handler ran in the last .* \(the last one entered at t=0 ms\)\. .* a defect of the test, not of your code$/,
    );
    const text = formatFailure(stalled);
    expect(text).toContain("invariant: test stalled (t=0 ms)");
    expect(text).not.toContain("learner code did not return");
    expect(text).toContain("hint: this is a defect of the test");
    const busy = await run("a simulation busy past the time limit");
    expect(busy.firstFailure?.failure?.invariant).toBe("time limit");
    expect(busy.firstFailure?.failure?.message).toMatch(
      /^seed did not finish within 1\.5 s of wall time, your handlers returning/,
    );
    expect(formatFailure(busy)).toContain("hint: your handlers kept returning");
  }, 60_000);

  it("name the node and the handler of a throwing mutant, with its stack", async () => {
    const r = await grade("mutant:throws", { seeds: [2] });
    const f = r.firstFailure!.failure!;
    expect(f.invariant).toBe("handler threw");
    expect(f.node).toBe("n1");
    expect(f.message).toMatch(/^n1 threw in onMessage\(echo from c1\) at t=[\d.]+ ms: cannot read properties of echo/);
    expect(f.stack).toContain(".mutant-throws/index.ts");
    expect(formatFailure(r)).toContain("stack:");
  }, 60_000);

  it("explain Math.random in a handler", async () => {
    const r = await grade("mutant:math-random", { seeds: [1] });
    const f = r.firstFailure!.failure!;
    expect(f.invariant).toBe("determinism");
    expect(f.message).toContain("called Math.random()");
    expect(f.message).toContain("use env.random()");
  }, 60_000);

  it("score a stub as not started, without a stack", async () => {
    const r = await grade("stub");
    expect(r.status).toBe("not-started");
    expect(r.earned).toBe(0);
    const text = formatFailure(r);
    expect(text).toMatch(
      /^○ echo A "echo under loss": not started \(n1 reached unimplemented code in start\(env\) at t=0 ms: EchoNode.start is not implemented yet \(TODO\)\)/,
    );
    expect(text).not.toContain("stack");
    expect(text).toContain("hint:");
  }, 60_000);

  it("pass the reference, twice per seed with equal traces", async () => {
    const r = await grade("reference", { determinism: true });
    expect(r.status).toBe("pass");
    expect(r.earned).toBe(10);
    expect(r.nondeterminism).toBeUndefined();
  }, 60_000);

  it("show the nodes' last log lines, labelled per node, and a stack of the learner's own frames", async () => {
    const r = await grade(join(ECHO_ROOT, "variants", "logs-then-throws"), { seeds: [1] });
    expect(r.status).toBe("fail");
    const logs = r.firstFailure?.nodeLogs ?? [];
    expect(logs.some((l) => /^n\d \| booted \{"id":"n\d"\}$/.test(l))).toBe(true);
    expect(logs.some((l) => /^n\d \| echo \d+ from c\d$/.test(l))).toBe(true);
    const text = formatFailure(r);
    expect(text).toContain("your nodes logged last:");
    expect(text).toMatch(/variants\/logs-then-throws\/index\.ts:\d+:\d+/);
    expect(text).not.toMatch(/\.faultline\/runtime|faultline:bootstrap/);
  }, 60_000);

  it("module-level state cannot outlive a run: every node incarnation loads the module afresh", async () => {
    const r = await grade(join(ECHO_ROOT, "variants", "module-state"), { seeds: [1, 2], determinism: true });
    expect(r.status).toBe("pass");
    expect(r.nondeterminism).toBeUndefined();
  }, 60_000);
});

describe("the implementation switch", () => {
  it("resolves stub, reference, mutants and directories", () => {
    expect(resolveImpl("echo", "stub", ECHO_ROOT)).toBe(join(ECHO_ROOT, "src", "index.ts"));
    expect(resolveImpl("echo", "reference", ECHO_ROOT)).toBe(join(ECHO_ROOT, "reference", "index.ts"));
    expect(resolveImpl("echo", "mutant:throws", ECHO_ROOT)).toBe(join(ECHO_ROOT, ".mutant-throws", "index.ts"));
    expect(resolveImpl("echo", join(ECHO_ROOT, "reference"), ECHO_ROOT)).toBe(join(ECHO_ROOT, "reference", "index.ts"));
    expect(resolveImpl("echo", "reference", ECHO_ROOT, "/")).toBe(join(ECHO_ROOT, "reference", "index.ts"));
  });

  it("reads FAULTLINE_IMPL when no --impl is given", () => {
    const before = process.env.FAULTLINE_IMPL;
    process.env.FAULTLINE_IMPL = "reference";
    try {
      expect(resolveImpl("echo", undefined, ECHO_ROOT)).toBe(join(ECHO_ROOT, "reference", "index.ts"));
    } finally {
      if (before === undefined) delete process.env.FAULTLINE_IMPL;
      else process.env.FAULTLINE_IMPL = before;
    }
  });

  it("explains unknown mutants and missing directories", () => {
    expect(() => resolveImpl("echo", "mutant:nope", ECHO_ROOT)).toThrow(
      /unknown mutant "nope" of echo; mutants: endless-loop, math-random, throws, wrong-text/,
    );
    expect(() => resolveImpl("echo", "/no/such/dir", ECHO_ROOT)).toThrow(
      /does not exist \(use stub, reference, mutant:<name> or a directory/,
    );
    expect(() => resolveImpl("echo", ECHO_GRADER.replace(/grader\.ts$/, "fixtures-none"), ECHO_ROOT)).toThrow(
      /does not exist/,
    );
  });

  it("loads the chosen module, and a submission directory grades like the reference", async () => {
    const mod = await loadImpl<{ EchoNode: unknown }>("echo", "reference", ECHO_ROOT);
    expect(typeof mod.EchoNode).toBe("function");
    const r = await grade(join(ECHO_ROOT, "reference"), { seeds: [1] });
    expect(r.status).toBe("pass");
  }, 60_000);

  it("lists mutants with their targets", () => {
    const ms = listMutants("echo", ECHO_ROOT);
    expect(ms.map((m) => m.name)).toEqual(["endless-loop", "math-random", "throws", "wrong-text"]);
  });
});
