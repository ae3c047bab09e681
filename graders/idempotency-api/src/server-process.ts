/**
 * The API server with the implementation's charge handler, as a restricted process: it reads the
 * bundle and the database packages, writes only its PGlite data directory (nothing with a
 * PostgreSQL server), starts no process. The grader reads "faultline:listening <port>" from its
 * stdout and may SIGKILL it at any moment.
 */
import type { ChildProcess } from "node:child_process";
import { dirname } from "node:path";
import type { ProcessBundle } from "@faultline/grading";
import { LISTENING, NOT_IMPLEMENTED_LINE, type ServerRole } from "@faultline/lab-idempotency-api/framework/host";
import { hostProcess } from "./learner-bundle.ts";

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Whether the process has exited (killed, crashed at a failpoint, ended by itself). */
  readonly exited: boolean;
  /** Resolves when the process has exited. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first NotImplemented the handler threw, if any (a stub). */
  readonly notImplemented: string | undefined;
  /** The last lines the process wrote (its own and the implementation's output). */
  output(): string;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
}

const KEEP = 4_000;

export async function startServerProcess(
  bundle: ProcessBundle,
  role: ServerRole,
  startTimeoutMs = 90_000,
): Promise<ServerProcess> {
  const dataDir = role.db.kind === "pglite" ? role.db.dataDir : undefined;
  // PGlite checks that the data directory itself exists, which "<dir>/*" does not allow: the
  // parent is opened for reading (a mkdtemp folder holding nothing but the data directory).
  const proc: ChildProcess = hostProcess(
    bundle,
    role,
    dataDir ? { readFolders: [dirname(dataDir)], writeFolders: [dataDir] } : {},
  );
  let exited = false;
  let text = "";
  let notImplemented: string | undefined;
  const keep = (s: string) => (text = (text + s).slice(-KEEP));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });
  proc.stdin?.on("error", () => {});
  proc.stderr?.on("data", (c: Buffer) => keep(c.toString("utf8")));
  let port: ((p: number) => void) | undefined;
  let pending = "";
  proc.stdout?.on("data", (c: Buffer) => {
    pending += c.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    if (pending.length > KEEP) pending = pending.slice(-KEEP);
    for (const line of lines) {
      if (line.startsWith(LISTENING)) port?.(Number(line.slice(LISTENING.length)));
      else if (line.startsWith(NOT_IMPLEMENTED_LINE)) {
        try {
          notImplemented ??= String(JSON.parse(line.slice(NOT_IMPLEMENTED_LINE.length)));
        } catch {
          notImplemented ??= "not implemented";
        }
      } else keep(`${line}\n`);
    }
  });
  const listening = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(
        new Error(
          `the server process did not start within ${startTimeoutMs / 1000} s; its output: ${text.slice(-1000)}`,
        ),
      );
    }, startTimeoutMs);
    port = (p) => {
      clearTimeout(timer);
      resolve(p);
    };
    void exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the server process exited while starting (${signal ?? `exit code ${code}`}): ${text.trim().split("\n").slice(-12).join("\n")}`,
        ),
      );
    });
  });
  return {
    url: `http://127.0.0.1:${listening}`,
    pid: proc.pid ?? -1,
    get exited() {
      return exited;
    },
    exit,
    get notImplemented() {
      return notImplemented;
    },
    output: () => text,
    async kill() {
      if (!exited) proc.kill("SIGKILL");
      await exit;
    },
  };
}
