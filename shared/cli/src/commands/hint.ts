/**
 * `faultline hint <lab> [test]`: the next tier of the hint for the first failing test (from the
 * last run recorded in the status file; the lab is graded first if it never was), or for the
 * named test. Tiers shown so far are remembered, so each call reveals one more.
 */
import { paint, parseCommand, say, UsageError, type Io } from "../io.ts";
import { loadLab, requireTest } from "../labs.ts";
import { labStatus, readStatus, writeStatus } from "../status.ts";
import { runGradePlan } from "./grade.ts";

const USAGE = "faultline hint <lab> [test] [--reset]";

export async function hintCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(
    "hint",
    argv,
    { reset: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) {
    say(
      io.out,
      `usage: ${USAGE}\n\nShows the next hint tier for the first failing test of the lab (or the named test).\n--reset forgets the tiers shown so far.`,
    );
    return 0;
  }
  const [lab, ...rest] = positionals;
  if (!lab) throw new UsageError(`hint: which lab?\nusage: ${USAGE}`);
  const testName = rest.length > 0 ? rest.join(" ") : undefined;
  const { grader } = await loadLab(lab);
  if (testName !== undefined) requireTest(grader, testName, (n) => `"${n}"`);

  let status = readStatus();
  if (values.reset) {
    labStatus(status, lab).hints = {};
    writeStatus(status);
    say(io.out, `hint tiers of ${lab} reset`);
    return 0;
  }
  let target = testName;
  if (target === undefined) {
    const recorded = status.labs[lab];
    const known = recorded ? grader.scenarios.filter((s) => recorded.tests[s.name]) : [];
    if (known.length === 0) {
      say(io.err, `grading ${lab} first to find the first failing test…`);
      await runGradePlan(
        { labs: [lab], explore: false, impl: "stub", trace: false, determinism: false, quiet: true },
        io,
        { report: false },
      );
      status = readStatus();
    }
    const l = status.labs[lab];
    const failing = grader.scenarios.find((s) => l?.tests[s.name] && l.tests[s.name]?.status !== "pass");
    if (!failing) {
      const untested = grader.scenarios.find((s) => !l?.tests[s.name]);
      if (!untested) {
        say(
          io.out,
          `every test of ${lab} passed in your last run: no hint needed. (pnpm faultline hint ${lab} "<test>" shows a test's hints anyway)`,
        );
        return 0;
      }
      target = untested.name;
    } else target = failing.name;
  }
  const scenario = grader.scenarios.find((s) => s.name === target);
  if (!scenario) throw new UsageError(`unknown test "${target}" in ${lab}`);
  const l = labStatus(status, lab);
  const shown = Math.min(l.hints[scenario.name] ?? 0, scenario.hints.length);
  const next = Math.min(shown + 1, scenario.hints.length);
  l.hints[scenario.name] = next;
  writeStatus(status);
  say(
    io.out,
    paint(io.color, "1", `${lab} ${scenario.part} "${scenario.name}" — hint ${next} of ${scenario.hints.length}`),
  );
  scenario.hints.slice(0, next).forEach((h, i) => {
    const text = `  ${i + 1}. ${h}`;
    say(io.out, i === next - 1 ? paint(io.color, "36", text) : paint(io.color, "2", text));
  });
  if (next < scenario.hints.length)
    say(io.out, paint(io.color, "2", `(run the same command again for hint ${next + 1})`));
  else if (shown >= scenario.hints.length)
    say(
      io.out,
      paint(io.color, "2", "(that was the last hint for this test; the lab's README and the handbook go deeper)"),
    );
  return 0;
}
