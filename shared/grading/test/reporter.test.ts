import { describe, expect, it } from "vitest";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import {
  formatFailure,
  formatLabTable,
  formatTally,
  nextStep,
  requiredPassed,
  tally,
  toGradescope,
  toJson,
  toJUnit,
  TerminalReporter,
  xmlEscape,
  type LabReport,
  type ScenarioResult,
  type SeedResult,
} from "../src/index.ts";

function seed(n: number, status: SeedResult["status"], extra: Partial<SeedResult> = {}): SeedResult {
  return {
    seed: n,
    status,
    traceHash: "ab",
    virtualMs: 1500,
    wallMs: 20,
    events: 10,
    metrics: [],
    logs: [],
    traceFiles: [],
    ...extra,
  };
}

function result(
  name: string,
  part: string,
  points: number,
  status: ScenarioResult["status"],
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  const seeds =
    status === "pass"
      ? [seed(1, "pass"), seed(2, "pass")]
      : status === "not-started"
        ? [
            seed(1, "not-started", {
              failure: { invariant: "not implemented", message: "X.start is not implemented yet (TODO)" },
            }),
          ]
        : [
            seed(1, "pass"),
            seed(2, "fail", {
              failure: {
                invariant: "two leaders",
                message: 'n2 & n3 both "lead" <term 4>\x1b[31m\x00',
                t: 1523,
                node: "n2",
              },
              traceFiles: ["/tmp/x/t.seed2.html", "/tmp/x/t.seed2.json"],
            }),
          ];
  return {
    lab: "raft",
    part,
    name,
    points,
    earned: status === "pass" ? points : 0,
    status,
    hidden: false,
    bonus: false,
    seeds,
    ...(status === "fail"
      ? { firstFailure: seeds[1], replay: `pnpm faultline grade raft --only "${name}" --seed 2 --trace` }
      : status === "not-started"
        ? { firstFailure: seeds[0] }
        : {}),
    hint: "look at <terms> & votes",
    wallMs: 40,
    virtualMs: 3000,
    ...extra,
  };
}

const rep: LabReport = {
  lab: "raft",
  title: "Raft",
  parts: { A: "Leader election", B: "Log" },
  impl: "stub",
  wallMs: 1234,
  results: [
    result("initial election", "A", 5, "pass"),
    result("re-election <after> \"failure\" & 'more'", "A", 10, "fail"),
    result("secret churn", "B", 7, "fail", { hidden: true }),
    result("agreement", "B", 8, "not-started"),
  ],
};

describe("the terminal table", () => {
  it("shows parts, points, total, virtual and wall time", () => {
    const t = formatLabTable(rep);
    expect(t).toContain("raft — Raft");
    expect(t).toMatch(/Part A: Leader election\s+5\/15/);
    expect(t).toMatch(/Part B: Log\s+0\/15/);
    expect(t).toMatch(/✓ initial election\s+5\/5\s+2 seeds/);
    expect(t).toMatch(/✗ re-election .*0\/10\s+1\/2 seeds failed/);
    expect(t).toMatch(/○ agreement\s+0\/8\s+not started/);
    expect(t).toContain("(hidden)");
    expect(t).toMatch(/Total\s+5\/30\s+16.7%\s+12 s virtual\s+1.2 s wall/);
  });

  it("prints nothing but the table on success, and no progress line off a terminal", () => {
    const chunks: string[] = [];
    const out = {
      write: (s: string) => {
        chunks.push(s);
        return true;
      },
      isTTY: false,
    } as unknown as NodeJS.WritableStream;
    const progress: string[] = [];
    const err = {
      write: (s: string) => {
        progress.push(s);
        return true;
      },
      isTTY: false,
    } as unknown as NodeJS.WritableStream;
    const r = new TerminalReporter({ out, progress: err });
    const ok: LabReport = { ...rep, results: [result("initial election", "A", 5, "pass")] };
    r.labStart("raft");
    r.scenarioStart({ part: "A", name: "initial election", points: 5, hints: ["h"], run() {} }, 0, 1, 2);
    for (const x of ok.results) r.result(x);
    r.labDone(ok);
    r.close();
    expect(progress).toEqual([]);
    expect(chunks.join("")).toBe(`${formatLabTable(ok)}\n\n`);
  });

  it("draws a progress line on a terminal and clears it before printing", () => {
    const all: string[] = [];
    const tty = {
      write: (s: string) => {
        all.push(s);
        return true;
      },
      isTTY: true,
      columns: 100,
    } as unknown as NodeJS.WritableStream;
    const r = new TerminalReporter({ out: tty, progress: tty });
    r.labStart("raft");
    r.scenarioStart({ part: "A", name: "initial election", points: 5, hints: ["h"], run() {} }, 0, 4, 2);
    expect(all.join("")).toMatch(/\r\x1b\[2K\[\.+\] raft 1\/4 "initial election" seeds 0\/2/);
    r.result(rep.results[1] as ScenarioResult);
    expect(all.at(-2)).toBe("\r\x1b[2K");
    expect(all.at(-1)).toContain("✗ raft A");
    r.close();
  });
});

describe("blocks a grader shows (ctx.show)", () => {
  const table = "timeout  p99\n-------  ---\n150 ms   168 (<= 350)";
  const shownResult = result("the trade-off", "A", 5, "pass", {
    seeds: [seed(1, "pass", { shown: [table] }), seed(2, "pass", { shown: ["another seed's table"] })],
  });
  const shownRep: LabReport = { ...rep, results: [shownResult] };

  it("appear under a passing test in the terminal, the first seed's, indented", () => {
    const chunks: string[] = [];
    const out = { write: (s: string) => chunks.push(s) > 0, isTTY: false } as unknown as NodeJS.WritableStream;
    const r = new TerminalReporter({ out, progress: false });
    r.result(shownResult);
    expect(chunks.join("")).toBe(
      `✓ raft A "the trade-off":\n  timeout  p99\n  -------  ---\n  150 ms   168 (<= 350)\n\n`,
    );
  });

  it("are kept in JSON and shown in Gradescope's output of a passing test", () => {
    const json = JSON.parse(toJson([shownRep]));
    expect(json.labs[0].tests[0].seeds[0].shown).toEqual([table]);
    const gs = JSON.parse(toGradescope([shownRep]));
    expect(gs.tests[0].output).toContain("150 ms   168 (<= 350)");
    expect(gs.tests[0].output).not.toContain("another seed's table");
  });

  it("print nothing for a test that showed nothing", () => {
    const chunks: string[] = [];
    const out = { write: (s: string) => chunks.push(s) > 0, isTTY: false } as unknown as NodeJS.WritableStream;
    new TerminalReporter({ out, progress: false }).result(result("initial election", "A", 5, "pass"));
    expect(chunks).toEqual([]);
  });
});

describe("what to do next", () => {
  const capture = () => {
    const chunks: string[] = [];
    const out = {
      write: (s: string) => {
        chunks.push(s);
        return true;
      },
      isTTY: false,
    } as unknown as NodeJS.WritableStream;
    return { out, text: () => chunks.join("") };
  };

  it("points at the first failing part before a part not started", () => {
    const { out, text } = capture();
    const r = new TerminalReporter({ out, progress: false });
    for (const x of rep.results) r.result(x);
    r.labDone(rep);
    expect(nextStep(rep)?.name).toBe("re-election <after> \"failure\" & 'more'");
    expect(text()).toContain(
      '1 test is not started yet. Next: A "re-election <after> "failure" & \'more\'", the first failing test (its report is above)\n  replay: pnpm faultline grade raft --only',
    );
    expect(text()).not.toContain('Next: B "agreement"');
  });

  it("names the first test not started when nothing fails before it", () => {
    const { out, text } = capture();
    const r = new TerminalReporter({ out, progress: false });
    const later: LabReport = {
      ...rep,
      results: [
        result("initial election", "A", 5, "pass"),
        result("agreement", "B", 8, "not-started"),
        result("stretch", "C", 0, "fail", { bonus: true }),
      ],
    };
    for (const x of later.results) r.result(x);
    r.labDone(later);
    expect(text()).toContain(
      '1 test is not started yet. Next: B "agreement"\n  X.start is not implemented yet (TODO)\n  hint: look at <terms> & votes',
    );
  });

  it("keeps long names whole, lines up a watchdog note and calls a part without points ungraded", () => {
    const long = "sloppy quorum writes land on fallbacks and are handed off after heal";
    const watchdog = result("endless", "A", 5, "fail");
    watchdog.seeds = watchdog.seeds.map((s) => (s.status === "fail" ? { ...s, status: "timeout" as const } : s));
    const t = formatLabTable({
      ...rep,
      parts: { A: "Leader election", E: "Real processes (ungraded)" },
      results: [result(long, "A", 5, "pass"), watchdog, result("three real nodes", "E", 0, "pass")],
    });
    expect(t).toContain(`✓ ${long}  `);
    expect(t).toContain("1/2 seeds failed (1 stopped by the watchdog)");
    const rows = t.split("\n").filter((l) => /virtual/.test(l));
    const at = rows.map((l) => l.indexOf(" virtual"));
    expect(new Set(at).size).toBe(1);
    expect(t).toMatch(/Part E: Real processes \(ungraded\)\s+ungraded\n/);
    expect(t).toMatch(/✓ three real nodes\s+-\s+2 seeds/);
    expect(t).not.toContain("0/0");
  });

  it("a watchdog or determinism failure gives a hint about its cause, not the test's hint", () => {
    const hung = result("endless", "A", 5, "fail");
    hung.firstFailure = { ...hung.firstFailure!, status: "timeout" };
    expect(formatFailure(hung)).toContain("hint: a handler of yours did not return, so the watchdog stopped it");
    expect(formatFailure(hung)).not.toContain("look at <terms>");
    const twoWays = result("flaky", "A", 5, "fail", { nondeterminism: { seed: 3, detail: "trace hashes differ" } });
    twoWays.seeds = twoWays.seeds.map((s) => ({ ...s, status: "pass" as const }));
    delete (twoWays as Partial<ScenarioResult>).firstFailure;
    expect(formatFailure(twoWays)).toContain("hint: one seed gave two different runs");
    expect(formatFailure(result("plain", "A", 5, "fail"))).toContain("hint: look at <terms> & votes");
  });
});

describe("machine formats", () => {
  it("Gradescope results.json: score, max_score, per-test output and visibility", () => {
    const g = JSON.parse(toGradescope([rep], { cwd: "/tmp/x" }));
    expect(g.score).toBe(5);
    expect(g.max_score).toBe(30);
    expect(g.tests).toHaveLength(4);
    expect(g.tests[0]).toMatchObject({
      name: "raft A: initial election",
      score: 5,
      max_score: 5,
      status: "passed",
      visibility: "visible",
    });
    expect(g.tests[1].output).toContain("invariant: two leaders (n2, t=1.5 s)");
    expect(g.tests[1].output).toContain("trace: t.seed2.html (also .json)");
    expect(g.tests[1].output).not.toContain("\x1b");
    expect(g.tests[2].visibility).toBe("after_published");
    expect(JSON.parse(toGradescope([rep], { hiddenVisibility: "hidden" })).tests[2].visibility).toBe("hidden");
    expect(g.tests[3]).toMatchObject({ score: 0, status: "failed" });
    expect(g.tests[3].output).toContain("not started");
    expect(typeof g.execution_time).toBe("number");
  });

  it("JUnit XML: well-formed, escaped, a testsuite per lab and a failure per failing test", () => {
    const xml = toJUnit([rep]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml);
    const suite = doc.testsuites.testsuite;
    expect(doc.testsuites.tests).toBe("4");
    expect(doc.testsuites.failures).toBe("3");
    expect(suite.name).toBe("raft");
    const cases = suite.testcase;
    expect(cases).toHaveLength(4);
    expect(cases[0].classname).toBe("raft.A");
    expect(cases[0].failure).toBeUndefined();
    expect(cases[1].name).toBe("re-election <after> \"failure\" & 'more'");
    expect(cases[1].failure.type).toBe("fail");
    expect(cases[1].failure.message).toContain('two leaders: n2 & n3 both "lead" <term 4>');
    expect(cases[1].failure["#text"]).toContain("replay: pnpm faultline grade raft");
    expect(cases[3].failure.type).toBe("not-started");
    expect(suite.properties.property.find((p: { name: string }) => p.name === "score").value).toBe("5/30");
    expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
  });

  it("escapes everything XML needs", () => {
    expect(xmlEscape(`a<b>&"c"'d'\x00\x1b[1me`)).toBe("a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\uFFFDe");
  });

  it("JSON: totals, parts and tests", () => {
    const j = JSON.parse(toJson([rep]));
    expect(j.format).toBe("faultline-grades/1");
    expect(j.earned).toBe(5);
    expect(j.possible).toBe(30);
    expect(j.labs[0].parts).toEqual([
      { part: "A", title: "Leader election", earned: 5, possible: 15, bonusEarned: 0, bonusPossible: 0 },
      { part: "B", title: "Log", earned: 0, possible: 15, bonusEarned: 0, bonusPossible: 0 },
    ]);
    expect(j.labs[0].tests[1].firstFailure.seed).toBe(2);
    expect(j.labs[0].tests[1].replay).toContain("--seed 2");
    expect(j.labs[0].tests[2].hidden).toBe(true);
  });
});

describe("bonus tests", () => {
  const withBonus: LabReport = {
    ...rep,
    parts: { ...rep.parts, F: "Stretch (bonus)" },
    results: [
      result("initial election", "A", 5, "pass"),
      result("prevote", "F", 4, "pass", { bonus: true }),
      result("snapshots", "F", 6, "not-started", { bonus: true }),
    ],
  };

  it("count on top of the total, not in it", () => {
    expect(tally(withBonus.results)).toEqual({ earned: 5, possible: 5, bonusEarned: 4, bonusPossible: 10 });
    expect(formatTally(tally(withBonus.results))).toBe("5/5 + 4/10 bonus");
    expect(formatTally(tally(rep.results))).toBe("5/30");
    const t = formatLabTable(withBonus);
    expect(t).toMatch(/Part F: Stretch \(bonus\)\s+4\/10\s+bonus/);
    expect(t).toMatch(/Total\s+5\/5\s+100%/);
    expect(t).toMatch(/Bonus\s+\+4\/10\s+on top of the total/);
    expect(t).toMatch(/prevote\s+4\/4 .*\(bonus\)/);
  });

  it("a failing or unstarted bonus test does not fail the run; a required one does", () => {
    expect(requiredPassed(withBonus.results)).toBe(true);
    expect(requiredPassed(rep.results)).toBe(false);
  });

  it("are extra credit on Gradescope (max_score 0) and marked in JSON", () => {
    const g = JSON.parse(toGradescope([withBonus]));
    expect(g.score).toBe(9);
    expect(g.max_score).toBe(5);
    expect(g.tests[1]).toMatchObject({ score: 4, max_score: 0, tags: ["raft", "part F", "bonus"] });
    expect(g.tests[1].output).toContain("bonus test worth 4 extra points");
    const j = JSON.parse(toJson([withBonus]));
    expect(j).toMatchObject({ earned: 5, possible: 5, bonusEarned: 4, bonusPossible: 10 });
    expect(j.labs[0].tests[1].bonus).toBe(true);
  });
});
