/**
 * `faultline lin <model> <file...>`: linearizability checks of recorded histories, delegated
 * to `runLinCommand` of @faultline/check when that package provides it.
 */
import { say, type Io } from "../io.ts";

type LinRunner = (argv: readonly string[], io: { stdout: { write(t: string): unknown }; stderr: { write(t: string): unknown } }) => Promise<number> | number;

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
  // history files are named relative to where the user typed the command
  if (io.cwd !== process.cwd()) process.chdir(io.cwd);
  return await runner(argv, { stdout: io.out, stderr: io.err });
}
