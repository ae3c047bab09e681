/**
 * `faultline lin <model> <file...>`: linearizability checks of recorded histories, delegated
 * to `runLinCommand` of @faultline/check when that package provides it.
 */
import { say, UsageError, type Io } from "../io.ts";

type LinRunner = (argv: string[], io?: unknown) => Promise<number> | number;

export async function linCommand(argv: string[], io: Io): Promise<number> {
  let runner: LinRunner | undefined;
  let why = "";
  try {
    const mod = (await import("@faultline/check")) as { runLinCommand?: LinRunner };
    runner = mod.runLinCommand;
    if (typeof runner !== "function") why = "@faultline/check does not export runLinCommand yet";
  } catch (err) {
    why = `@faultline/check does not load: ${(err as Error).message.split("\n")[0]}`;
  }
  if (typeof runner !== "function") {
    say(io.err, `faultline lin: not available in this checkout (${why}).`);
    return 2;
  }
  if (argv.length === 0) throw new UsageError("lin: usage: faultline lin <model> <file...>");
  return await runner(argv);
}
