/**
 * `faultline watch <lab> [grade flags]`: grade, then grade again each time a file under
 * labs/<lab>/src is saved (debounced), clearing the screen on a terminal. Every run is a fresh
 * process, so edited modules are always reloaded; the next one is started as soon as a run ends
 * and waits, loaded, for the save (it reads the learner's files only then). Ctrl-C quits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, watch, type FSWatcher } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { labDir } from "@faultline/grading";
import { paint, say, UsageError, type Io } from "../io.ts";
import { requireLab } from "../labs.ts";
import { parseGrade, STANDBY_ENV } from "./grade.ts";

/** Each run is the bin (it teaches its process TypeScript), however this process was started. */
const BIN = fileURLToPath(new URL("../../bin/faultline.mjs", import.meta.url));
const DEBOUNCE_MS = 150;
/** A run asked to stop that is still there after this long is killed. */
const STOP_GRACE_MS = 5_000;

/** A run that has not exited yet. */
function alive(c: ChildProcess | undefined): c is ChildProcess {
  return c !== undefined && c.exitCode === null && c.signalCode === null;
}

/** Stop a run (SIGTERM, then SIGKILL after STOP_GRACE_MS) and resolve once it has exited. */
function ended(c: ChildProcess | undefined): Promise<void> {
  if (!alive(c)) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => c.kill("SIGKILL"), STOP_GRACE_MS);
    c.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    c.kill("SIGTERM");
  });
}

export async function watchCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    say(
      io.out,
      "usage: faultline watch <lab> [grade flags such as --part A or --only NAME]\n\nRe-grades the lab each time a file in labs/<lab>/src is saved. Ctrl-C quits.",
    );
    return 0;
  }
  const plan = parseGrade(argv, io);
  if (plan === "help") return 0;
  if (plan.labs.length !== 1) throw new UsageError(`watch: one lab at a time (got ${plan.labs.join(", ")})`);
  const lab = plan.labs[0] as string;
  requireLab(lab);
  const src = join(labDir(lab), "src");
  if (!existsSync(src)) throw new UsageError(`watch: ${lab} has no src folder to watch`);

  let child: ChildProcess | undefined;
  /** The next run, started and loaded, waiting for a save (see STANDBY_ENV). */
  let standby: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  let runs = 0;
  let stopped = false;
  const tty = Boolean(io.out.isTTY);

  const prepare = (): ChildProcess => {
    const c = spawn(process.execPath, [BIN, "grade", ...argv], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, [STANDBY_ENV]: "1", ...(io.color ? { FORCE_COLOR: "1" } : {}) },
    });
    c.stdin?.on("error", () => {}); // a run that already ended
    return c;
  };

  const start = (why: string) => {
    if (alive(child)) child.kill("SIGTERM");
    runs++;
    if (tty) io.out.write("\x1b[2J\x1b[3J\x1b[H");
    say(io.out, paint(io.color, "2", `── ${new Date().toLocaleTimeString()} · run ${runs} · ${why} ──`));
    const c = alive(standby) ? standby : prepare();
    standby = undefined;
    child = c;
    c.stdout?.on("data", (d: Buffer) => io.out.write(d));
    c.stderr?.on("data", (d: Buffer) => io.err.write(d));
    c.stdin?.end("go\n"); // it reads the learner's files now, after the save
    c.on("exit", (code, signal) => {
      if (c !== child || signal) return;
      say(
        io.out,
        paint(
          io.color,
          code === 0 ? "32" : "2",
          code === 0
            ? `all tests of ${lab} pass. 🎉 Watching for changes (Ctrl-C quits)…`
            : `watching labs/${lab}/src — save a file to grade again (Ctrl-C quits)…`,
        ),
      );
      // The next run loads while the learner reads and edits, not after the next save.
      if (!stopped) standby = prepare();
    });
  };

  let watcher: FSWatcher;
  try {
    watcher = watch(src, { recursive: true }, (_event, file) => {
      if (file && /(^|[\\/])(\.|#)|~$|\.swp$/.test(String(file))) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => start(`changed: ${file ?? "a file"}`), DEBOUNCE_MS);
    });
  } catch (err) {
    throw new UsageError(`watch: cannot watch ${src}: ${(err as Error).message}`);
  }
  start("first run");
  return await new Promise<number>((resolveExit) => {
    const stop = () => {
      watcher.close();
      if (timer) clearTimeout(timer);
      stopped = true;
      // Quit once the runs are gone, so none is still writing under .faultline after Ctrl-C.
      void Promise.all([child, standby].map(ended)).then(() => resolveExit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
