/**
 * Seeds run in worker threads so that learner code can neither hang nor crash the grader: a
 * watchdog terminates a worker whose handler does not return within the handler limit, or
 * whose seed exceeds its wall-clock limit, and reports exactly where it was stuck.
 */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { PROBE_BYTES, readProbe } from "./probe.ts";
import type { SeedResult, SeedTask } from "./run-seed.ts";
import { fmtMs } from "./format.ts";

export interface PoolLimits {
  /** Wall ms one handler call may take (default 2000). */
  handlerTimeoutMs: number;
  /** Wall ms one seed may take (default 20000). */
  seedTimeoutMs: number;
}

interface Slot {
  worker: Worker;
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

export class WorkerPool {
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

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(new URL("./worker-entry.mjs", import.meta.url), { env: process.env, stdout: false, stderr: false });
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
    const slot: Slot = { worker, ready, busy: false, sab: new SharedArrayBuffer(PROBE_BYTES) };
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift() as Job;
      this.dispatch(slot, job);
    }
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.busy = true;
    const id = this.nextId++;
    const started = Date.now();
    let lastCounter = -1;
    let sameSince = started;
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
    const timeout = (message: string, t: number | undefined, stuck?: { text: string; t: number }) =>
      finish(
        () =>
          job.resolve({
            seed: job.task.seed,
            status: "timeout",
            failure: { invariant: "watchdog", message, ...(t !== undefined ? { t } : {}), ...(stuck ? { node: stuck.text.split(" ")[0] as string } : {}) },
            ...(stuck ? { stuck } : {}),
            traceHash: "",
            virtualMs: t ?? 0,
            wallMs: Date.now() - started,
            events: 0,
            metrics: [],
            logs: [],
            traceFiles: [],
          }),
        true,
      );
    const onMessage = (m: { id?: number; result?: SeedResult; error?: string }) => {
      if (m.id !== id) return;
      if (m.result) finish(() => job.resolve(m.result as SeedResult), false);
      else finish(() => job.reject(new Error(`grader error: ${m.error}`)), true);
    };
    const onError = (err: Error) => finish(() => job.reject(new Error(`grader worker crashed: ${err.message}`)), true);
    const onExit = (code: number) => finish(() => job.reject(new Error(`grader worker exited with code ${code}`)), true);
    const watchdog = setInterval(() => {
      const now = Date.now();
      const p = readProbe(slot.sab);
      if (p.inHandler) {
        if (p.counter !== lastCounter) {
          lastCounter = p.counter;
          sameSince = now;
        } else if (now - sameSince >= job.limits.handlerTimeoutMs) {
          timeout(`${p.text} within ${fmtMs(job.limits.handlerTimeoutMs)} at t=${fmtMs(p.t)} (an endless loop?)`, p.t, { text: p.text, t: p.t });
          return;
        }
      } else lastCounter = -1;
      if (now - started >= job.limits.seedTimeoutMs) {
        timeout(`seed did not finish within ${fmtMs(job.limits.seedTimeoutMs)} of wall time (virtual time reached t=${fmtMs(p.t)})`, p.t);
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
