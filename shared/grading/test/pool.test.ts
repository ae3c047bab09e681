/**
 * The grading command talks to its grading processes over IPC. A process can be gone by the time
 * a message leaves (stopped as a run closes, or dead): the write then fails with EPIPE, which must
 * reach the caller as an error value, never as an unhandled 'error' event that ends the command
 * after its report was printed.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { sendTo } from "../src/pool.ts";

function child() {
  return spawn(process.execPath, ["-e", "process.on('message', () => {}); setInterval(() => {}, 1000)"], {
    stdio: ["ignore", "ignore", "ignore", "ipc"],
  });
}

describe("sending to a grading process", () => {
  it("a message to a process that has exited is reported, not thrown", async () => {
    const c = child();
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
    const errors: string[] = [];
    sendTo(c, { seed: 1 }, (e) => errors.push(e.message));
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toHaveLength(1);
  });

  it("messages racing the process's death end as error values (EPIPE included)", async () => {
    const c = child();
    await new Promise((r) => setTimeout(r, 200)); // connected and running
    const errors: string[] = [];
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    // Written while the process dies: some writes may still succeed, the others fail.
    for (let i = 0; i < 200; i++) sendTo(c, { warm: "x".repeat(10_000), i }, (e) => errors.push(e.message));
    await exited;
    for (let i = 0; i < 20; i++) sendTo(c, { after: i }, (e) => errors.push(e.message));
    await new Promise((r) => setTimeout(r, 100));
    // The 20 sent after the exit fail for certain; the others as the pipe broke.
    expect(errors.length).toBeGreaterThanOrEqual(20);
  });
});
