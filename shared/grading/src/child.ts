/**
 * A grading process: started by the process that decides grades, under Node's permission
 * model. It runs the seeds it is sent, one at a time, in a memory-capped worker thread, and
 * sends each result back. It writes no file: traces travel back with the result.
 */
import { ThreadPool } from "./thread-pool.ts";
import type { SeedTask } from "./run-seed.ts";
import type { PoolLimits } from "./thread-pool.ts";

if (typeof process.send !== "function") throw new Error("child.ts must be started with an IPC channel");
const send = process.send.bind(process);
const threads = new ThreadPool(1);
// The deciding process went away (finished, killed, Ctrl-C): nothing here is worth finishing.
// This process leads its own group (the pool starts it detached), and what a seed started in it
// (a lab's real servers, learner processes) dies with the group: a worker thread's exit hooks
// do not run when the process exits under it.
process.on("disconnect", () => {
  try {
    process.kill(-process.pid, "SIGKILL");
  } catch {
    process.exit(0);
  }
});
process.on("message", (m: { id: number; task: SeedTask; limits: PoolLimits } | { warm: string }) => {
  // Start the seed thread for a grader's script ahead of its first seed.
  if ("warm" in m) return threads.warm(m.warm);
  threads.run({ ...m.task, returnTraces: true }, m.limits).then(
    (result) => send({ id: m.id, result }),
    (err: unknown) =>
      send({ id: m.id, error: err instanceof Error ? `${err.message}\n${err.stack ?? ""}` : String(err) }),
  );
});
send({ ready: true });
