/**
 * `faultline report merge <a.json> <b.json> ... [--out FILE] [--gradescope FILE] [--junit FILE]`
 *
 * Joins the JSON reports of a sharded grade (or of labs graded on different machines) into one
 * run: the score table, and the run as JSON, Gradescope results.json or JUnit XML.
 *
 * Exit code: 0 when every merged test passed (bonus tests aside), 1 when one failed, 2 on a
 * usage error or reports that do not fit together (a missing shard, a seed twice).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  displayPath,
  formatLabTable,
  formatTally,
  renderMachineFormat,
  requiredPassed,
  tally,
  type LabReport,
  type MachineFormat,
} from "@faultline/grading";
import { parseCommand, say, UsageError, type Io } from "../io.ts";
import { MergeError, mergeReports, readJsonReport } from "../report-merge.ts";

export const MERGE_USAGE =
  "faultline report merge <report.json...> [--out FILE] [--gradescope FILE] [--junit FILE] [--hidden-visibility V]";

const MERGE_FLAGS = {
  out: { type: "string", short: "o" },
  gradescope: { type: "string" },
  junit: { type: "string" },
  "hidden-visibility": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;

export async function reportCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "merge") return mergeCmd(rest, io);
  if (sub === "--help" || sub === "-h") {
    say(io.out, MERGE_HELP);
    return 0;
  }
  throw new UsageError(
    sub ? `report: unknown subcommand "${sub}"; subcommands: merge\nusage: ${MERGE_USAGE}` : `usage: ${MERGE_USAGE}`,
  );
}

async function mergeCmd(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseCommand("report merge", argv, MERGE_FLAGS, MERGE_USAGE);
  if (v.help) {
    say(io.out, MERGE_HELP);
    return 0;
  }
  if (positionals.length === 0)
    throw new UsageError(`report merge: which reports? (files written by grade --format json)\nusage: ${MERGE_USAGE}`);
  const hv = v["hidden-visibility"];
  if (hv !== undefined && !["after_published", "hidden", "after_due_date"].includes(hv))
    throw new UsageError(
      `report merge: --hidden-visibility must be after_published, hidden or after_due_date, got "${hv}"`,
    );
  let merged: LabReport[];
  try {
    const inputs = positionals.map((f) => {
      const path = resolve(io.cwd, f);
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch (err) {
        throw new MergeError(`cannot read ${f}: ${(err as Error).message}`);
      }
      return { file: f, reports: readJsonReport(text, f) };
    });
    merged = mergeReports(inputs);
  } catch (err) {
    if (err instanceof MergeError) throw new UsageError(`report merge: ${err.message}`);
    throw err;
  }
  const outputs: Array<[MachineFormat, string]> = [];
  if (v.out !== undefined) outputs.push(["json", v.out]);
  if (v.gradescope !== undefined) outputs.push(["gradescope", v.gradescope]);
  if (v.junit !== undefined) outputs.push(["junit", v.junit]);
  // With no file named, the merged JSON goes to stdout and the table to stderr.
  const human = outputs.length === 0 ? io.err : io.out;
  const opts = {
    cwd: io.cwd,
    ...(hv ? { hiddenVisibility: hv as "after_published" | "hidden" | "after_due_date" } : {}),
  };
  if (!v.quiet) {
    for (const rep of merged) say(human, `${formatLabTable(rep, { color: io.color && human === io.out })}\n`);
    if (merged.length > 1) say(human, `All labs: ${formatTally(tally(merged.flatMap((r) => r.results)))}`);
  }
  if (outputs.length === 0) io.out.write(renderMachineFormat("json", merged, opts));
  for (const [format, file] of outputs) {
    const path = resolve(io.cwd, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, renderMachineFormat(format, merged, opts));
    say(human, `wrote ${format} results to ${displayPath(path, io.cwd)}`);
  }
  return merged.every((rep) => requiredPassed(rep.results)) ? 0 : 1;
}

export const MERGE_HELP = `usage: ${MERGE_USAGE}

Joins JSON reports (grade --format json --out FILE) into one run and prints its table. The
shards of a sharded grade (--shard k/n) must all be given, one each: every test's seeds are
joined and scored as one run would score them. Reports of different labs are put side by side.

  --out FILE          the merged run as JSON (without any of --out, --gradescope, --junit: to stdout)
  --gradescope FILE   the merged run as a Gradescope results.json
  --junit FILE        the merged run as JUnit XML
  --hidden-visibility after_published | hidden | after_due_date (Gradescope, hidden tests)
  --quiet, -q         no table

Exit code: 0 when every merged test passed (bonus tests aside), 1 when one failed, 2 on a usage
error or reports that do not fit together (a missing shard, a seed in two shards).`;
