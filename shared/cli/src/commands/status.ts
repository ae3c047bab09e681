/** `faultline status`: per lab and part, the best and the last score; hints used. */
import { knownLabs, loadGrader, graderModulePath } from "@faultline/grading";
import { paint, parseCommand, say, type Io } from "../io.ts";
import { readStatus, statusPath } from "../status.ts";
import { displayPath } from "@faultline/grading";

export async function statusCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand(
    "status",
    argv,
    { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    "faultline status [--json]",
  );
  if (values.help) {
    say(
      io.out,
      "usage: faultline status [--json]\n\nBest and last score per lab and part, from the runs of your code (pnpm grade <lab>).",
    );
    return 0;
  }
  const s = readStatus();
  if (values.json) {
    io.out.write(`${JSON.stringify(s, null, 2)}\n`);
    return 0;
  }
  const labs = knownLabs();
  if (labs.length === 0 && Object.keys(s.labs).length === 0) {
    say(io.out, "no lab has a grader yet");
    return 0;
  }
  const c = io.color;
  for (const lab of [...new Set([...labs, ...Object.keys(s.labs)])]) {
    const l = s.labs[lab];
    let title = lab;
    let parts: Record<string, string> = {};
    let scenarios: Array<{ part: string; name: string; points: number; bonus: boolean; hints: readonly string[] }> = [];
    try {
      const g = await loadGrader(graderModulePath(lab));
      title = `${lab} — ${g.title}`;
      parts = g.parts;
      scenarios = g.scenarios.map((x) => ({
        part: x.part,
        name: x.name,
        points: x.points,
        bonus: x.bonus ?? false,
        hints: x.hints,
      }));
    } catch {
      // a grader that does not load still shows what was recorded
    }
    say(io.out, paint(c, "1", title));
    if (!l) {
      say(io.out, `  not graded yet: pnpm grade ${lab}\n`);
      continue;
    }
    const partKeys = [...new Set([...Object.keys(parts), ...Object.keys(l.parts)])].sort();
    for (const p of partKeys) {
      const ps = l.parts[p];
      const possible = ps?.possible ?? scenarios.filter((x) => x.part === p).reduce((a, x) => a + x.points, 0);
      const tests = scenarios.filter((x) => x.part === p);
      const passed = tests.filter((x) => l.tests[x.name]?.status === "pass").length;
      const bonus = tests.length > 0 && tests.every((x) => x.bonus) ? " bonus" : "";
      const score = ps
        ? `best ${ps.best}/${possible}${bonus}, last ${ps.last}/${possible}`
        : "not graded as a whole yet";
      say(
        io.out,
        `  Part ${p}${parts[p] ? `: ${parts[p]}` : ""}`.padEnd(40) +
          `${score}${tests.length ? `  (${passed}/${tests.length} tests passing)` : ""}`,
      );
      for (const t of tests) {
        const ts = l.tests[t.name];
        const sym = !ts
          ? paint(c, "2", "·")
          : ts.status === "pass"
            ? paint(c, "32", "✓")
            : ts.status === "not-started"
              ? paint(c, "33", "○")
              : paint(c, "31", "✗");
        const hints = l.hints[t.name] ? `  hints ${l.hints[t.name]}/${t.hints.length}` : "";
        say(io.out, `    ${sym} ${t.name}${hints}`);
      }
    }
    say(io.out, `  updated ${l.updatedAt.replace("T", " ").slice(0, 16)} UTC\n`);
  }
  say(io.out, paint(c, "2", `(kept in ${displayPath(statusPath(), io.cwd)})`));
  return 0;
}
