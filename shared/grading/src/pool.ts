/**
 * Seeds run in grading processes, never in the process that computes scores and writes
 * results. Each grading process starts under Node's permission model: it may read the runtime
 * and the graders, write nothing, start no process (except where a scenario runs real
 * processes), and it runs one seed at a time in a memory-capped worker thread whose watchdog
 * reports endless handlers. A process that dies, hangs or answers nonsense fails that seed only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism, tmpdir } from "node:os";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stoppedSeed, type SeedResult, type SeedTask } from "./run-seed.ts";
import type { PoolLimits } from "./thread-pool.ts";
import { courseRoot, isLearnerCopy, REPO_ROOT } from "./impl.ts";
import { writeTraceFiles } from "./trace-files.ts";
import { childBundle, runtimeDir, workerBundle } from "./isolation/runtime-bundle.ts";
import { permissionFlag } from "./isolation/permission.ts";

export type { PoolLimits } from "./thread-pool.ts";

/** How much a grading process may do: "strict" for context-isolated labs, "io" for real HTTP/processes. */
export type Confinement = "strict" | "io";

/**
 * Send a message to a grading process without ever throwing or emitting an unhandled 'error':
 * the process may be gone already (stopped as the run closes, or dead), and a message that
 * cannot be delivered is reported to `onError` (its exit is reported on its own).
 */
export function sendTo(child: ChildProcess, message: unknown, onError: (err: Error) => void = () => {}): void {
  if (!child.connected) return onError(new Error("the grading process is no longer connected"));
  try {
    child.send(message as object, (err) => {
      if (err) onError(err);
    });
  } catch (err) {
    onError(err as Error);
  }
}

/** Wall time a grading process gets beyond the seed limit (its own start, the watchdog's period). */
const GRACE_MS = 15_000;
/** Heap of a grading process's main thread (the seed itself runs in a capped worker). */
const PROCESS_HEAP_MB = 256;

interface Slot {
  child: ChildProcess;
  confinement: Confinement;
  ready: Promise<void>;
  busy: boolean;
  stderr: string;
}

interface Job {
  task: SeedTask;
  limits: PoolLimits;
  /** Preferably not in this grading process (by pid): a determinism rerun goes elsewhere if it can. */
  avoid: number | undefined;
  resolve: (r: SeedResult) => void;
  reject: (e: Error) => void;
}

/** The flags of a grading process: what it may read, and for "io" what else it may do. */
export function confinementFlags(confinement: Confinement, root = courseRoot()): string[] {
  // Strict: the bundled runtime and the packages it loads, nothing of labs/ or graders/.
  const reads = [join(REPO_ROOT, "node_modules"), runtimeDir(root)];
  const flags = [permissionFlag(), "--allow-worker"];
  if (confinement === "io") {
    // Real HTTP servers, databases and node processes, with TypeScript compiled on the fly.
    reads.push(
      join(REPO_ROOT, "shared"),
      join(root, "graders"),
      join(root, "node_modules"),
      join(root, "labs"),
      tmpdir(),
    );
    flags.push(`--allow-fs-write=${tmpdir()}/*`, "--allow-child-process");
  }
  // One flag per path: a comma-separated list is no longer accepted.
  for (const r of new Set(reads)) flags.push(`--allow-fs-read=${r}/*`);
  return flags;
}

export class WorkerPool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly size = Math.max(1, Math.min(availableParallelism(), 8))) {}

  /**
   * Run one seed. `avoid` names a grading process (SeedResult.process) the seed should rather
   * not run in: a determinism rerun goes to another process when one is free. (Every run starts
   * from fresh contexts anyway, so learner state cannot carry over even in the same process.)
   */
  run(task: SeedTask, limits: PoolLimits, avoid?: number): Promise<SeedResult> {
    if (this.closed) return Promise.reject(new Error("grading pool is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, limits, avoid, resolve, reject });
      this.pump();
    });
  }

  /**
   * Start a grading process for `graderModule` before any seed is sent, and its seed thread
   * with the grader loaded, so both start while this process still bundles the implementation
   * (the first verdict of a learner's run comes that much sooner). Does nothing when a process
   * of that kind is already running or the pool is full.
   */
  warm(graderModule: string, isolation: "context" | "process" = "context"): void {
    if (this.closed || isolation !== "context") return;
    if (this.slots.some((s) => s.confinement === "strict") || this.slots.length >= this.size) return;
    const slot = this.spawn("strict");
    Promise.all([slot.ready, workerBundle(graderModule)]).then(
      ([, workerScript]) => {
        if (!this.closed && !slot.busy) sendTo(slot.child, { warm: workerScript });
      },
      () => {}, // the first seed sent to this process reports what went wrong
    );
  }

  /** Stop every grading process and wait until each is gone. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => stop(s)));
  }

  private spawn(confinement: Confinement): Slot {
    const slot: Slot = {
      child: undefined as unknown as ChildProcess,
      confinement,
      busy: false,
      stderr: "",
      ready: Promise.resolve(),
    };
    slot.ready = (
      confinement === "strict"
        ? childBundle()
        : Promise.resolve(fileURLToPath(new URL("./child-entry.mjs", import.meta.url)))
    ).then((entry) => this.start(slot, entry));
    slot.ready.catch(() => {});
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, entry: string): Promise<void> {
    const child = spawn(
      process.execPath,
      [...confinementFlags(slot.confinement), `--max-old-space-size=${PROCESS_HEAP_MB}`, "--no-warnings", entry],
      {
        stdio: ["ignore", "ignore", "pipe", "ipc"],
        detached: true, // its own process group, so everything it started goes with it
        env: {
          ...process.env,
          NODE_OPTIONS: "",
          FAULTLINE_ROOT: courseRoot(),
          FAULTLINE_RUNTIME_ROOT: REPO_ROOT,
          FAULTLINE_LEARNER_COPY: isLearnerCopy() ? "1" : "0",
        },
      },
    );
    slot.child = child;
    // An IPC write to a process that just went away (EPIPE) must not end this process: its exit
    // is what reports it.
    child.on("error", (err) => {
      slot.stderr = `${slot.stderr}\n${err.message}`.slice(-4000);
    });
    child.stderr?.on("data", (d: Buffer) => {
      slot.stderr = (slot.stderr + d.toString("utf8")).slice(-4000);
    });
    return new Promise<void>((resolve, reject) => {
      const onMsg = (m: { ready?: boolean }) => {
        if (m?.ready) {
          child.off("message", onMsg);
          child.off("exit", onExit);
          resolve();
        }
      };
      const onExit = (code: number | null, signal: string | null) =>
        reject(
          new Error(
            `grading process exited before it was ready (${signal ?? `code ${code}`}): ${slot.stderr.trim().split("\n").slice(-5).join("\n")}`,
          ),
        );
      child.on("message", onMsg);
      child.once("exit", onExit);
    });
  }

  private pump(): void {
    for (let i = 0; i < this.queue.length; ) {
      const job = this.queue[i] as Job;
      const confinement: Confinement = job.task.isolation === "process" ? "io" : "strict";
      const usable = (s: Slot) => s.confinement === confinement;
      const free = this.slots.filter((s) => !s.busy && usable(s));
      let slot = free.find((s) => s.child?.pid !== job.avoid) ?? free[0];
      if (!slot && this.slots.length >= this.size) {
        // Make room: an idle process that this job cannot use goes.
        const idle = this.slots.find((s) => !s.busy && !usable(s));
        if (idle) {
          this.slots = this.slots.filter((s) => s !== idle);
          void stop(idle);
        }
      }
      if (!slot && this.slots.length < this.size) slot = this.spawn(confinement);
      if (!slot) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.dispatch(slot, job);
    }
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.busy = true;
    const id = this.nextId++;
    const started = Date.now();
    let settled = false;
    const finish = (fn: () => void, discard: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      slot.child?.off("message", onMessage);
      slot.child?.off("exit", onExit);
      if (discard) {
        this.slots = this.slots.filter((s) => s !== slot);
        void stop(slot);
      } else slot.busy = false;
      fn();
      this.pump();
    };
    const failed = (invariant: string, message: string, status: SeedResult["status"] = "timeout"): SeedResult =>
      stoppedSeed(job.task.seed, status, { invariant, message }, 0, Date.now() - started);
    const onMessage = (m: { id?: number; result?: SeedResult; error?: string }) => {
      if (m?.id !== id) return;
      if (m.result && typeof m.result === "object") {
        const r = { ...m.result, process: slot.child.pid };
        finish(() => job.resolve(writePending(r)), false);
      } else finish(() => job.reject(new Error(`grader error: ${String(m.error)}`)), true);
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(
        () =>
          job.resolve(
            failed(
              "grading process",
              `the grading process ended without a result (${signal ?? `exit code ${code}`})${slot.stderr ? `: ${slot.stderr.trim().split("\n").slice(-3).join(" / ")}` : ""}`,
              "fail",
            ),
          ),
        true,
      );
    const timer = setTimeout(
      () =>
        finish(
          () =>
            job.resolve(
              failed(
                "watchdog",
                `seed did not finish within ${Math.round((job.limits.seedTimeoutMs + GRACE_MS) / 1000)} s of wall time (the grading process was stopped)`,
              ),
            ),
          true,
        ),
      job.limits.seedTimeoutMs + GRACE_MS,
    );
    timer.unref?.();
    const script = slot.confinement === "strict" ? workerBundle(job.task.graderModule) : Promise.resolve(undefined);
    Promise.all([slot.ready, script]).then(
      ([, workerScript]) => {
        if (settled) return;
        slot.child.on("message", onMessage);
        slot.child.once("exit", onExit);
        sendTo(
          slot.child,
          { id, task: workerScript ? { ...job.task, workerScript } : job.task, limits: job.limits },
          (err) =>
            finish(
              () =>
                job.resolve(
                  failed(
                    "grading process",
                    `the seed could not be sent to the grading process: ${err.message}`,
                    "fail",
                  ),
                ),
              true,
            ),
        );
      },
      (err: Error) => finish(() => job.reject(err), true),
    );
  }
}

/** Write the traces a grading process sent back (it may not write files itself). */
function writePending(r: SeedResult): SeedResult {
  const pending = r.pendingTraces;
  if (!pending) return r;
  const { pendingTraces: _drop, ...rest } = r;
  const files = [...rest.traceFiles];
  for (const p of pending) {
    mkdirSync(dirname(p.base), { recursive: true });
    files.push(...writeTraceFiles(p.file, p.base, p.views));
  }
  return { ...rest, traceFiles: files };
}

/** Kill a grading process's whole group and wait for it to be gone. */
async function stop(slot: Slot): Promise<void> {
  await slot.ready.catch(() => {});
  const child = slot.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  });
}
