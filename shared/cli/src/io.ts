/** What a command needs from the outside world; tests and the watch loop pass their own. */
import { parseArgs, type ParseArgsConfig } from "node:util";

export interface Io {
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  err: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** The folder the user typed the command in (pnpm runs scripts from the repo root). */
  cwd: string;
  /** ANSI colors on stdout. */
  color: boolean;
}

export function defaultIo(): Io {
  const out = process.stdout;
  const forced = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0";
  return {
    out,
    err: process.stderr,
    cwd: process.env.INIT_CWD ?? process.cwd(),
    color: !process.env.NO_COLOR && (forced || Boolean(out.isTTY)),
  };
}

/** A mistake in how the command was called: exit code 2 with a message that lists the choices. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A grader that does not load (exit code 3); here, not in labs.ts, so `help` loads no grading code. */
export class GraderLoadError extends Error {}

export function say(stream: NodeJS.WritableStream, text = ""): void {
  stream.write(`${text}\n`);
}

export const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs with errors that name the command and list its flags. */
export function parseCommand<O extends Options>(command: string, argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    const flags = Object.entries(options)
      .map(([name, o]) => `--${name}${o.type === "string" ? " <value>" : ""}`)
      .join(" ");
    const what =
      e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
        ? e.message.replace(/\. To specify a positional argument.*$/s, "")
        : e.message;
    throw new UsageError(`${command}: ${what}\nusage: ${usage}\nflags: ${flags || "(none)"}`);
  }
}

/** A non-negative integer flag value. */
export function intFlag(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value)))
    throw new UsageError(`--${name} needs a whole number >= ${min}, got "${value}"`);
  return Number(value);
}
