/**
 * Gradescope's results.json as its autograder specification documents it ("Autograder
 * Specifications", docs/specs.md of gradescope/autograder_samples: top-level score,
 * execution_time, output, output_format, test_output_format, test_name_format, visibility,
 * stdout_visibility, extra_data, tests, leaderboard; per test score, max_score, status, name,
 * name_format, number, output, output_format, tags, visibility, extra_data). Returns every
 * problem found, so a test can show them all.
 */
const TOP = new Set([
  "score",
  "execution_time",
  "output",
  "output_format",
  "test_output_format",
  "test_name_format",
  "visibility",
  "stdout_visibility",
  "extra_data",
  "tests",
  "leaderboard",
]);
const TEST = new Set([
  "score",
  "max_score",
  "status",
  "name",
  "name_format",
  "number",
  "output",
  "output_format",
  "tags",
  "visibility",
  "extra_data",
]);
const VISIBILITY = new Set(["hidden", "after_due_date", "after_published", "visible"]);
const FORMATS = new Set(["text", "html", "simple_format", "md", "ansi"]);
const STATUS = new Set(["passed", "failed"]);

export interface GradescopeTest {
  score?: number;
  max_score?: number;
  status?: string;
  name?: string;
  output?: string;
  tags?: string[];
  visibility?: string;
}
export interface GradescopeResults {
  score?: number;
  /** Not in Gradescope's list: faultline writes the graded total here for readers of the file. */
  max_score?: number;
  output?: string;
  tests?: GradescopeTest[];
  [key: string]: unknown;
}

export function gradescopeProblems(doc: GradescopeResults, opts: { extraTopLevel?: readonly string[] } = {}): string[] {
  const problems: string[] = [];
  const allowedTop = new Set([...TOP, ...(opts.extraTopLevel ?? [])]);
  for (const k of Object.keys(doc)) if (!allowedTop.has(k)) problems.push(`unknown top-level field "${k}"`);
  const num = (v: unknown) => typeof v === "number" && Number.isFinite(v);
  if (doc.score === undefined && !(doc.tests ?? []).every((t) => t.score !== undefined))
    problems.push("no top-level score and a test without score");
  if (doc.score !== undefined && !num(doc.score)) problems.push("score is not a number");
  if (doc.execution_time !== undefined && !num(doc.execution_time))
    problems.push("execution_time is not a number (seconds)");
  for (const k of ["output"])
    if (doc[k] !== undefined && typeof doc[k] !== "string") problems.push(`${k} is not a string`);
  for (const k of ["visibility", "stdout_visibility"])
    if (doc[k] !== undefined && !VISIBILITY.has(doc[k] as string))
      problems.push(`${k} "${String(doc[k])}" is not one of ${[...VISIBILITY].join(", ")}`);
  for (const k of ["output_format", "test_output_format", "test_name_format"])
    if (doc[k] !== undefined && !FORMATS.has(doc[k] as string))
      problems.push(`${k} "${String(doc[k])}" is not a format`);
  if (doc.tests !== undefined && !Array.isArray(doc.tests)) problems.push("tests is not an array");
  for (const [i, t] of (doc.tests ?? []).entries()) {
    const at = `tests[${i}] ${t.name ?? ""}`;
    for (const k of Object.keys(t)) if (!TEST.has(k)) problems.push(`${at}: unknown field "${k}"`);
    if (t.score !== undefined && !num(t.score)) problems.push(`${at}: score is not a number`);
    if (t.max_score !== undefined && !num(t.max_score)) problems.push(`${at}: max_score is not a number`);
    if (t.status !== undefined && !STATUS.has(t.status))
      problems.push(`${at}: status "${t.status}" is not passed or failed`);
    if (t.name !== undefined && typeof t.name !== "string") problems.push(`${at}: name is not a string`);
    if (t.output !== undefined && typeof t.output !== "string") problems.push(`${at}: output is not a string`);
    if (t.output?.includes("\r")) problems.push(`${at}: output has a \\r (Gradescope wants Unix line endings)`);
    if (t.tags !== undefined && !(Array.isArray(t.tags) && t.tags.every((x) => typeof x === "string")))
      problems.push(`${at}: tags is not a list of strings`);
    if (t.visibility !== undefined && !VISIBILITY.has(t.visibility))
      problems.push(`${at}: visibility "${t.visibility}" is not one of ${[...VISIBILITY].join(", ")}`);
  }
  return problems;
}
