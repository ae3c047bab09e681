/** The `faultline` command: dispatch to subcommands, turn errors into exit codes. */
import { readFileSync } from "node:fs";
import { defaultIo, GraderLoadError, say, UsageError, type Io } from "./io.ts";
export const HELP = `faultline: graded distributed-systems labs on a deterministic simulator

usage: pnpm faultline <command> [...]     (pnpm grade <lab> is short for pnpm faultline grade <lab>;
                                          node_modules/.bin/faultline <command> skips pnpm's start-up)

  grade [lab...|--all]     grade labs (--part, --only, --seed, --seeds, --explore, --impl, --trace,
                           --determinism, --all-seeds, --shard k/n, --format gradescope|junit|json
                           --out FILE); grade --help
  soak [lab...|--all]      grade the reference on N fresh random seeds per scenario, all of them
                           (--seeds N, --seed-base S, --impl, --jobs, --real, --shard k/n); soak --help
  report merge <json...>   join the JSON reports of a sharded grade into one run (--out, --gradescope,
                           --junit)
  watch <lab>              re-grade whenever a file in labs/<lab>/src is saved
  hint <lab> [test]        the next hint for the first failing test (or the named one)
  status                   best and last score per lab and part
  trace open <file>        write the HTML space-time diagram of a trace and open it
  trace text <file>        the trace as columns, one per node (--node, --kind, --from, --to)
  trace shiviz <file>      the trace as a ShiViz log (--out FILE)
  course export <dir>      a learner copy: no reference solutions, mutants, hidden tests
  course check [lab...]    reference 100%, stubs 0, every mutant caught, TODOs and hints present
  course gradescope <lab...|--all> --out autograder.zip
                           a Gradescope autograder (setup.sh, run_autograder, graders; no solutions)
  course autograde <lab...> --submission DIR --results FILE
                           grade a submission folder into a Gradescope results.json (run_autograder)
  course classroom <dir>   a learner copy with a GitHub Classroom autograding workflow (--lab L)
  mutant edit <lab> <name> a copy of the reference (with the mutant's bug) to edit; mutant save
                           writes it back as mutants/<name>/<name>.patch; mutant check applies all;
                           mutant refresh <lab> replays the patches a change of the reference broke
  doctor                   Node, pnpm, and whether the graders differ from the committed ones
  --version                the version of the faultline command
  lin <model> <file...>    check histories for linearizability (from @faultline/check)
  cluster <lab>            run the lab's nodes as real processes with an HTTP API (--nodes,
                           --base-port, --impl); raft: POST /incr, GET /count, /kv/:key, /status

Exit codes: 0 success (all graded tests passed), 1 a test or check failed, 2 usage error,
3 a grader or the tool itself failed.`;

/** The CLI package's version (bin/faultline.mjs answers --version the same way, before loading TypeScript). */
function version(): string {
  return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

type Command = (argv: string[], io: Io) => Promise<number>;

/**
 * Every command and, where a command has them, its subcommands: what the documentation check
 * (scripts/check-commands.ts) accepts in the handbook's commands. The CLI's tests hold it equal
 * to the commands dispatched below and to what HELP lists.
 */
export const COMMAND_NAMES: Record<string, readonly string[] | undefined> = {
  grade: undefined,
  watch: undefined,
  hint: undefined,
  status: undefined,
  trace: ["open", "text", "shiviz"],
  course: ["export", "check", "gradescope", "autograde", "classroom"],
  doctor: undefined,
  lin: undefined,
  cluster: undefined,
  soak: undefined,
  mutant: ["edit", "save", "check", "refresh"],
  report: ["merge"],
  help: undefined,
};

/** Commands load on demand, so `faultline grade` does not pay for the TypeScript compiler. */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  grade: async () => (await import("./commands/grade.ts")).gradeCommand,
  watch: async () => (await import("./commands/watch.ts")).watchCommand,
  hint: async () => (await import("./commands/hint.ts")).hintCommand,
  status: async () => (await import("./commands/status.ts")).statusCommand,
  trace: async () => (await import("./commands/trace.ts")).traceCommand,
  course: async () => (await import("./commands/course.ts")).courseCommand,
  doctor: async () => (await import("./commands/doctor.ts")).doctorCommand,
  lin: async () => (await import("./commands/lin.ts")).linCommand,
  cluster: async () => (await import("./commands/cluster.ts")).clusterCommand,
  soak: async () => (await import("./commands/soak.ts")).soakCommand,
  mutant: async () => (await import("./commands/mutant.ts")).mutantCommand,
  report: async () => (await import("./commands/report.ts")).reportCommand,
};

export async function run(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "help" || cmd === "--help" || cmd === "-h") {
    if (cmd === "help" && rest[0] && COMMANDS[rest[0]]) return run([rest[0], "--help"], io);
    say(io.out, HELP);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === "--version" || cmd === "-V") {
    say(io.out, `faultline ${version()}`);
    return 0;
  }
  const fn = COMMANDS[cmd];
  try {
    if (!fn)
      throw new UsageError(
        `unknown command "${cmd}"; commands: ${Object.keys(COMMANDS).join(", ")} (pnpm faultline help)`,
      );
    return await (await fn())([...rest], io);
  } catch (err) {
    if (err instanceof UsageError) {
      say(io.err, `faultline: ${err.message}`);
      return 2;
    }
    if (err instanceof GraderLoadError) {
      say(io.err, `faultline: ${err.message}`);
      return 3;
    }
    const e = err as Error;
    say(io.err, `faultline: internal error: ${e.stack ?? e.message}`);
    return 3;
  }
}
