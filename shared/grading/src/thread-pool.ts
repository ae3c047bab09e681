/**
 * Inside a grading process, each seed runs in a worker thread with a memory cap, and a watchdog
 * on this thread terminates a worker whose handler does not return within the handler limit,
 * whose seed exceeds its wall-clock limit, or whose heap outgrows the cap, and reports exactly
 * where it was stuck.
 */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { PROBE_BYTES, readProbe } from "./probe.ts";
import { stoppedSeed, type SeedResult, type SeedTask } from "./run-seed.ts";
import { fmtMs } from "./format.ts";

export interface PoolLimits {
  /** Wall ms one handler call may take (default 2000). */
  handlerTimeoutMs: number;
  /** Wall ms one seed may take (default 20000). */
  seedTimeoutMs: number;
}

interface Slot {
  worker: Worker;
  /** The script the worker runs (a bundled runtime, or the tsx entry). */
  script: string;
  ready: Promise<void>;
  busy: boolean;
  sab: SharedArrayBuffer;
}

interface Job {
  task: SeedTask;
  limits: PoolLimits;
  resolve: (r: SeedResult) => void;
  reject: (e: Error) => void;
}

const WATCHDOG_PERIOD_MS = 100;
/** No handler entered for this long (or half the seed's limit) at the time limit: the test stalled. */
const STALL_QUIET_MS = 5_000;
/**
 * Why a seed was stopped from outside: a handler that did not return ("watchdog"), the seed's
 * wall-time limit reached with the simulation busy ("time limit"), or with nothing moving
 * ("test stalled").
 */
export type SeedTimeoutKind = "watchdog" | "time limit" | "test stalled";

/** Heap cap of one seed's worker; learner code that allocates without bound fails its seed here. */
export const SEED_MEMORY_LIMIT_MB = 512;

const DEFAULT_SCRIPT = "";

export class ThreadPool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly size = Math.max(1, Math.min(availableParallelism(), 8))) {}

  run(task: SeedTask, limits: PoolLimits): Promise<SeedResult> {
    if (this.closed) return Promise.reject(new Error("worker pool is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, limits, resolve, reject });
      this.pump();
    });
  }

  /** Start a worker for `script` now (if none runs it and there is room), ready for its first seed. */
  warm(script: string): void {
    if (this.closed || this.slots.some((s) => s.script === script) || this.slots.length >= this.size) return;
    this.spawn(script).ready.catch(() => {}); // a seed sent to it reports the failure
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(script: string): Slot {
    const worker = new Worker(script === DEFAULT_SCRIPT ? new URL("./worker-entry.mjs", import.meta.url) : script, {
      env: process.env,
      stdout: false,
      stderr: false,
      resourceLimits: { maxOldGenerationSizeMb: SEED_MEMORY_LIMIT_MB, maxYoungGenerationSizeMb: 64 },
    });
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: { ready?: boolean }) => {
        if (m.ready) {
          worker.off("message", onMsg);
          resolve();
        }
      };
      worker.on("message", onMsg);
      worker.once("error", reject);
    });
    const slot: Slot = { worker, script, ready, busy: false, sab: new SharedArrayBuffer(PROBE_BYTES) };
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const job = this.queue[0] as Job;
      const script = job.task.workerScript ?? DEFAULT_SCRIPT;
      let slot = this.slots.find((s) => !s.busy && s.script === script);
      if (!slot && this.slots.length >= this.size) {
        const idle = this.slots.find((s) => !s.busy);
        if (idle) {
          this.slots = this.slots.filter((s) => s !== idle);
          void idle.worker.terminate();
        }
      }
      if (!slot && this.slots.length < this.size) slot = this.spawn(script);
      if (!slot) return;
      this.queue.shift();
      this.dispatch(slot, job);
    }
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.busy = true;
    const id = this.nextId++;
    const started = Date.now();
    let lastCounter = -1;
    let sameSince = started;
    // Any handler entered: the simulation is moving (a test that stops driving it never enters one).
    let progressCounter = 0;
    let progressAt = started;
    let settled = false;

    const finish = (fn: () => void, replace: boolean) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      slot.worker.off("message", onMessage);
      slot.worker.off("error", onError);
      slot.worker.off("exit", onExit);
      if (replace) {
        this.slots = this.slots.filter((s) => s !== slot);
        void slot.worker.terminate();
      } else slot.busy = false;
      fn();
      this.pump();
    };
    const timeout = (
      message: string,
      t: number | undefined,
      stuck?: { text: string; t: number },
      invariant: SeedTimeoutKind = "watchdog",
    ) =>
      finish(() => {
        const failure = {
          invariant,
          message,
          ...(t !== undefined ? { t } : {}),
          ...(stuck ? { node: stuck.text.split(" ")[0] as string } : {}),
        };
        job.resolve({
          ...stoppedSeed(job.task.seed, "timeout", failure, t ?? 0, Date.now() - started),
          ...(stuck ? { stuck } : {}),
        });
      }, true);
    const onMessage = (m: { id?: number; result?: SeedResult; error?: string }) => {
      if (m.id !== id) return;
      if (m.result) finish(() => job.resolve(m.result as SeedResult), false);
      else finish(() => job.reject(new Error(`grader error: ${m.error}`)), true);
    };
    const onError = (err: Error) => {
      if ((err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") {
        const p = readProbe(slot.sab);
        const where = p.inHandler ? ` in ${p.text.replace(" did not return from ", "'s ")}` : "";
        const failure = {
          invariant: "memory limit",
          message: `memory limit of ${SEED_MEMORY_LIMIT_MB} MiB exceeded${where} at t=${fmtMs(p.t)} (state or messages that grow without bound?)`,
          t: p.t,
          ...(p.inHandler ? { node: p.text.split(" ")[0] as string } : {}),
        };
        finish(() => job.resolve(stoppedSeed(job.task.seed, "fail", failure, p.t, Date.now() - started)), true);
        return;
      }
      finish(() => job.reject(new Error(`grader worker crashed: ${err.message}`)), true);
    };
    const onExit = (code: number) =>
      finish(() => job.reject(new Error(`grader worker exited with code ${code}`)), true);
    const watchdog = setInterval(() => {
      const now = Date.now();
      const p = readProbe(slot.sab);
      if (p.counter !== progressCounter) {
        progressCounter = p.counter;
        progressAt = now;
      }
      if (p.inHandler) {
        if (p.counter !== lastCounter) {
          lastCounter = p.counter;
          sameSince = now;
        } else if (now - sameSince >= job.limits.handlerTimeoutMs) {
          timeout(`${p.text} within ${fmtMs(job.limits.handlerTimeoutMs)} at t=${fmtMs(p.t)} (an endless loop?)`, p.t, {
            text: p.text,
            t: p.t,
          });
          return;
        }
      } else lastCounter = -1;
      if (now - started >= job.limits.seedTimeoutMs) {
        const limit = job.limits.seedTimeoutMs;
        const quiet = now - progressAt;
        // No handler entered for a long stretch, none running, and no process of the lab's own:
        // the test awaits something its simulation never delivers (a grader defect, not the
        // learner's). Otherwise the simulation was busy to the end: too much work per seed.
        if (!p.inHandler && job.task.isolation !== "process" && quiet >= Math.min(STALL_QUIET_MS, limit / 2))
          timeout(
            `the test stopped driving its simulation: no handler ran in the last ${fmtMs(quiet)} of the seed's ${fmtMs(limit)} of wall time (the last one entered at t=${fmtMs(p.t)}). It awaits something the simulation never delivers (a call awaited outside the simulation's run loop?), or its own checks took that long: a defect of the test, not of your code`,
            p.t,
            undefined,
            "test stalled",
          );
        else
          timeout(
            `seed did not finish within ${fmtMs(limit)} of wall time, your handlers returning all along (virtual time reached t=${fmtMs(p.t)})`,
            p.t,
            undefined,
            "time limit",
          );
      }
    }, WATCHDOG_PERIOD_MS);
    slot.worker.on("message", onMessage);
    slot.worker.on("error", onError);
    slot.worker.on("exit", onExit);
    slot.ready.then(
      () => {
        if (!settled) slot.worker.postMessage({ id, task: job.task, sab: slot.sab });
      },
      (err: Error) => finish(() => job.reject(new Error(`grader worker failed to start: ${err.message}`)), true),
    );
  }
}
