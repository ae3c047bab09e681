/**
 * `faultline lin <model> <file...>`: linearizability checks of recorded histories, delegated
 * to `runLinCommand` of @faultline/check when that package provides it. Only the command's own
 * module is loaded (not the whole checker package): start-up is most of the time of a small
 * check. `node shared/check/bin/faultline-lin.mjs` runs the same command without tsx.
 */
import { say, type Io } from "../io.ts";

type LinRunner = (
  argv: readonly string[],
  io: { stdout: { write(t: string): unknown }; stderr: { write(t: string): unknown } },
) => Promise<number> | number;

export async function linCommand(argv: string[], io: Io): Promise<number> {
  let runner: LinRunner | undefined;
  let why = "";
  try {
    const mod = (await import("@faultline/check/cli-lin")) as { runLinCommand?: LinRunner };
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
