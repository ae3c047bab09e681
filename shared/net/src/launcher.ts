/**
 * Starts a cluster of node processes on loopback, waits until each is ready, and stops them
 * all (SIGTERM, then SIGKILL) even when the caller fails. Node i serves HTTP on basePort + i - 1
 * and talks to peers on basePort + 100 + i - 1. Each node's output goes to <logDir>/<id>.log.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NodeId } from "@faultline/sim";
import type { NodeProcessConfig } from "./node-main.ts";
import type { RealFaults } from "./transport.ts";

export interface ClusterOptions {
  implPath: string;
  exportName: string;
  service: string;
  nodes: number;
  basePort: number;
  host?: string;
  /** Each node keeps its disk in <dataDir>/<id>. */
  dataDir: string;
  logDir: string;
  seed?: number;
  readyTimeoutMs?: number;
  /** Stretch node timers and clocks (see NodeRuntime.timeScale); default 1. */
  timeScale?: number;
}

const NODE_MAIN = fileURLToPath(new URL("./node-main.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
  log: WriteStream;
}

export class Cluster {
  readonly ids: NodeId[];
  private procs = new Map<NodeId, Proc>();
  private readonly host: string;

  constructor(readonly opts: ClusterOptions) {
    if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > 9) throw new RangeError(`--nodes must be 1..9, got ${opts.nodes}`);
    if (!Number.isInteger(opts.basePort) || opts.basePort < 1024 || opts.basePort + 100 + opts.nodes > 65535) throw new RangeError(`--base-port must leave room for ${opts.nodes} HTTP and peer ports, got ${opts.basePort}`);
    this.host = opts.host ?? "127.0.0.1";
    this.ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    mkdirSync(opts.logDir, { recursive: true });
  }

  url(id: NodeId): string {
    return `http://${this.host}:${this.opts.basePort + this.ids.indexOf(id)}`;
  }

  private config(id: NodeId): NodeProcessConfig {
    const i = this.ids.indexOf(id);
    return {
      id,
      cluster: Object.fromEntries(
        this.ids.map((n, k) => [n, { http: { host: this.host, port: this.opts.basePort + k }, peer: { host: this.host, port: this.opts.basePort + 100 + k } }]),
      ),
      dataDir: join(this.opts.dataDir, id),
      seed: (this.opts.seed ?? 1) * 1000 + i,
      timeScale: this.opts.timeScale ?? 1,
      implPath: this.opts.implPath,
      exportName: this.opts.exportName,
      service: this.opts.service,
    };
  }

  /** Start every node and wait until all are ready. */
  async start(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.startNode(id)));
  }

  /** Start (or restart, on the same data directory) one node and wait until it is ready. */
  async startNode(id: NodeId): Promise<void> {
    if (this.procs.has(id)) throw new Error(`${id} is already running`);
    const log = createWriteStream(join(this.opts.logDir, `${id}.log`), { flags: "a" });
    const child = spawn(process.execPath, ["--import", TSX, NODE_MAIN, JSON.stringify(this.config(id))], { stdio: ["pipe", "pipe", "pipe"] });
    live.add(child);
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => {
        live.delete(child);
        resolve(code);
      }),
    );
    this.procs.set(id, { child, exited, log });
    child.stderr?.pipe(log, { end: false });
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      const timer = setTimeout(() => reject(new Error(`${id} not ready within ${this.opts.readyTimeoutMs ?? 20_000} ms (see ${join(this.opts.logDir, `${id}.log`)})`)), this.opts.readyTimeoutMs ?? 20_000);
      child.stdout?.on("data", (chunk: Buffer) => {
        log.write(chunk);
        if (seen !== "done") {
          seen += chunk.toString("utf8");
          if (seen.includes(`READY ${id}`)) {
            seen = "done";
            clearTimeout(timer);
            resolve();
          }
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        if (seen !== "done") {
          const file = join(this.opts.logDir, `${id}.log`);
          // Give the log stream a moment to flush, then quote its end: it says why the node died.
          setTimeout(() => {
            const lines = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
            const fatal = lines.find((l) => l.includes("FATAL:"));
            const tail = fatal ?? lines.slice(-6).join("\n");
            reject(new Error(`${id} exited with code ${code} before it was ready (log ${file}):\n${tail}`));
          }, 100);
        }
      });
    });
  }

  /** Kill a node (SIGKILL by default: no cleanup, unsynced writes lost) and wait for it to exit. */
  async kill(id: NodeId, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const p = this.procs.get(id);
    if (!p) return;
    p.child.kill(signal);
    await p.exited;
    this.procs.delete(id);
    p.log.end();
  }

  isRunning(id: NodeId): boolean {
    return this.procs.has(id);
  }

  /** SIGTERM every node, then SIGKILL what has not exited within `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    await Promise.all(
      [...this.procs.keys()].map(async (id) => {
        const p = this.procs.get(id) as Proc;
        p.child.kill("SIGTERM");
        const timer = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
        await p.exited;
        clearTimeout(timer);
        this.procs.delete(id);
        p.log.end();
      }),
    );
  }

  /** GET a node's /status (undefined if unreachable). */
  async status(id: NodeId): Promise<Record<string, unknown> | undefined> {
    try {
      const r = await fetch(`${this.url(id)}/status`, { signal: AbortSignal.timeout(1000) });
      return (await r.json()) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  /** Change a node's link faults at run time (drop rate, delay, jitter, blocked peers). */
  async setFaults(id: NodeId, faults: Partial<RealFaults>): Promise<RealFaults> {
    const r = await fetch(`${this.url(id)}/admin/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(faults), signal: AbortSignal.timeout(2000) });
    if (!r.ok) throw new Error(`setFaults(${id}): ${r.status} ${await r.text()}`);
    return (await r.json()) as RealFaults;
  }
}

async function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/**
 * A base port whose HTTP ports (base..base+n-1) and peer ports (base+100..) are all free on
 * loopback right now, searched from `start` upwards in steps of 200.
 */
export async function findFreeBasePort(n: number, start = 20_000, host = "127.0.0.1"): Promise<number> {
  for (let base = start; base + 100 + n < 65_000; base += 200) {
    let free = true;
    for (let i = 0; i < n && free; i++) free = (await canBind(base + i, host)) && (await canBind(base + 100 + i, host));
    if (free) return base;
  }
  throw new Error("no free block of loopback ports found");
}
