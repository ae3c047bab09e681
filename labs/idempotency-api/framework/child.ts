/** Start the API server as a child process (tsx), wait until it listens, kill it with SIGKILL. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildConfig } from "./server-main.ts";

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Whether the process has exited (killed, crashed at a failpoint...). */
  readonly exited: boolean;
  /** Resolves when the process has exited. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the process wrote to stderr (for diagnostics). */
  stderr(): string;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
}

const SERVER_MAIN = fileURLToPath(new URL("./server-main.ts", import.meta.url));

export async function spawnServer(cfg: ChildConfig, startTimeoutMs = 30_000): Promise<ServerProcess> {
  const tsx = import.meta.resolve("tsx/esm");
  const proc: ChildProcess = spawn(process.execPath, ["--import", tsx, SERVER_MAIN], {
    env: { ...process.env, FAULTLINE_IDEM_CHILD: JSON.stringify(cfg) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let exited = false;
  let errText = "";
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });
  proc.stderr?.on("data", (c: Buffer) => {
    errText = (errText + c.toString("utf8")).slice(-4000);
  });
  proc.stdin?.on("error", () => {});
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`the server process did not start within ${startTimeoutMs} ms; stderr: ${errText.slice(-1000)}`));
    }, startTimeoutMs);
    proc.stdout?.on("data", (c: Buffer) => {
      out += c.toString("utf8");
      const m = /listening (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server process exited during start (code ${code}, signal ${signal}); stderr: ${errText.slice(-1500)}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: proc.pid ?? -1,
    get exited() {
      return exited;
    },
    exit,
    stderr: () => errText,
    async kill() {
      if (!exited) proc.kill("SIGKILL");
      await exit;
    },
  };
}
