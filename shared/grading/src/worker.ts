/** Worker thread side: run each seed task sent by the pool and post the result back. */
import { parentPort } from "node:worker_threads";
import { runSeed, type SeedTask } from "./run-seed.ts";
import { probeWriter } from "./probe.ts";

if (!parentPort) throw new Error("worker.ts must run in a worker thread");
const port = parentPort;
// A stray promise in scenario or learner code must not kill the worker silently.
process.on("unhandledRejection", (err) => {
  port.postMessage({
    id: currentId,
    error: `unhandled promise rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
  });
});
let currentId = 0;
port.on("message", (m: { id: number; task: SeedTask; sab: SharedArrayBuffer }) => {
  currentId = m.id;
  runSeed(m.task, probeWriter(m.sab)).then(
    (result) => port.postMessage({ id: m.id, result }),
    (err: unknown) =>
      port.postMessage({ id: m.id, error: err instanceof Error ? `${err.message}\n${err.stack ?? ""}` : String(err) }),
  );
});
port.postMessage({ ready: true });
