/**
 * `faultline lin <model> <file...>`: check histories people bring, one line per file.
 * The faultline command line calls runLinCommand; it is exported so it can be tested directly.
 *
 * Exit code: 0 when every file is linearizable, 1 when any is not linearizable or unknown,
 * 2 for a usage error or a file that cannot be read or parsed.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Operation } from "./history.ts";
import { checkLinearizability, describeOperation, type LinearizabilityResult } from "./linearizability.ts";
import type { AnyModel } from "./model.ts";
import { kvModel } from "./models/kv.ts";
import { casRegisterModel } from "./models/register.ts";
import { parseJepsenLog } from "./parse/jepsen.ts";
import { HistoryParseError } from "./parse/parse-error.ts";
import { parsePorcupineKv } from "./parse/porcupine-kv.ts";

export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

interface LinModel {
  readonly model: AnyModel;
  readonly format: string;
  readonly parse: (text: string, file: string) => Operation<unknown, unknown>[];
}

/** The models the command knows, with the history format each reads. */
export const LIN_MODELS: Readonly<Record<string, LinModel>> = {
  "cas-register": {
    model: casRegisterModel,
    format: "Jepsen/Knossos text log or EDN maps (:read, :write, :cas)",
    parse: parseJepsenLog,
  },
  kv: { model: kvModel, format: "Porcupine EDN maps (:get, :put, :append with :key)", parse: parsePorcupineKv },
};

export const LIN_USAGE = `usage: faultline lin <model> <file...> [--no-partition] [--html <dir>] [--max-steps <n>]

Checks each history file for linearizability and prints one line per file.
  <model>          ${Object.entries(LIN_MODELS)
    .map(([name, m]) => `${name}: ${m.format}`)
    .join("\n                   ")}
  --no-partition   check the whole history as one object (no per-key split)
  --html <dir>     write an HTML view of each history to <dir>/<file>.html
  --max-steps <n>  search budget per partition (exceeding it gives "unknown")
Exit code: 0 all linearizable, 1 any not linearizable or unknown, 2 usage or parse error.
`;

interface Parsed {
  readonly modelName: string;
  readonly files: string[];
  readonly partition: boolean;
  readonly htmlDir: string | undefined;
  readonly maxSteps: number | undefined;
}

function parseArgs(args: readonly string[]): Parsed | string {
  const positional: string[] = [];
  let partition = true;
  let htmlDir: string | undefined;
  let maxSteps: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--no-partition") partition = false;
    else if (a === "--html") {
      const dir = args[++i];
      if (dir === undefined || dir === "") return "--html needs a directory";
      htmlDir = dir;
    } else if (a === "--max-steps") {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n <= 0) return "--max-steps needs a positive integer";
      maxSteps = n;
    } else if (a.startsWith("--")) return `unknown option ${a}`;
    else positional.push(a);
  }
  const [modelName, ...files] = positional;
  if (modelName === undefined) return "missing <model>";
  if (!(modelName in LIN_MODELS))
    return `unknown model ${JSON.stringify(modelName)} (known: ${Object.keys(LIN_MODELS).join(", ")})`;
  if (files.length === 0) return "missing <file...>";
  return { modelName, files, partition, htmlDir, maxSteps };
}

function verdictLine(
  model: AnyModel,
  ops: readonly Operation<unknown, unknown>[],
  r: LinearizabilityResult,
  ms: number,
): string {
  const s = r.stats;
  const size = `${s.operations} ops, ${s.partitions} partition${s.partitions === 1 ? "" : "s"}, ${s.steps} steps, ${ms.toFixed(1)} ms`;
  if (r.verdict === "linearizable") return `linearizable (${size})`;
  if (r.verdict === "unknown") return `unknown: ${r.reason ?? "search gave up"} (${size})`;
  const bad =
    r.firstIllegal === null
      ? ""
      : ` at ${describeOperation(model, ops[r.firstIllegal] as Operation<unknown, unknown>)}`;
  return `not linearizable${bad} (${size})`;
}

export async function runLinCommand(args: readonly string[], io: CommandIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout.write(LIN_USAGE);
    return 0;
  }
  const parsed = parseArgs(args);
  if (typeof parsed === "string") {
    io.stderr.write(`faultline lin: ${parsed}\n${LIN_USAGE}`);
    return 2;
  }
  const { model, parse } = LIN_MODELS[parsed.modelName] as LinModel;
  if (parsed.htmlDir !== undefined) mkdirSync(parsed.htmlDir, { recursive: true });
  let exit = 0;
  for (const file of parsed.files) {
    let ops: Operation<unknown, unknown>[];
    try {
      ops = parse(readFileSync(file, "utf8"), file);
    } catch (e) {
      const message = e instanceof HistoryParseError ? e.message : `${file}: ${(e as Error).message}`;
      io.stderr.write(`${message}\n`);
      io.stdout.write(`${file}: error: cannot read history\n`);
      exit = 2;
      continue;
    }
    const t0 = performance.now();
    const result = checkLinearizability(model, ops, {
      partition: parsed.partition,
      ...(parsed.maxSteps === undefined ? {} : { maxSteps: parsed.maxSteps }),
    });
    const ms = performance.now() - t0;
    let line = `${file}: ${verdictLine(model, ops, result, ms)}`;
    if (parsed.htmlDir !== undefined) {
      // loaded only when asked for: the plain check starts faster without it
      const { renderHistoryHtml } = await import("./html-view.ts");
      const out = join(parsed.htmlDir, `${basename(file)}.html`);
      writeFileSync(out, renderHistoryHtml(model, ops, result, { title: basename(file) }));
      line += ` view: ${out}`;
    }
    io.stdout.write(`${line}\n`);
    if (result.verdict !== "linearizable" && exit === 0) exit = 1;
  }
  return exit;
}
