/**
 * Starts a cluster of node processes on loopback, waits until each is ready, and stops them
 * all (SIGTERM, then SIGKILL) even when the caller fails. Without basePort (or with 0) every
 * node listens on ports the OS picks and reports them; the launcher tells every node the
 * others' addresses (again after each restart, which gets new ports). With a basePort, node i
 * serves HTTP on basePort + i - 1 and talks to peers on basePort + 100 + i - 1 (for people
 * who want to type the URLs). Each node's output goes to <logDir>/<id>.log.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NodeId } from "@faultline/sim";
import type { NodeProcessConfig } from "./node-main.ts";
import type { RealFaults } from "./transport.ts";
import type { ServiceRef } from "./service.ts";

export interface ClusterOptions {
  /** Module file exporting the node class. */
  implPath: string;
  exportName: string;
  /** The lab's HTTP service, loaded by every node process. */
  service: ServiceRef;
  nodes: number;
  /** Fixed ports from here; omitted or 0: ports from the OS, never a fixed block. */
  basePort?: number;
  host?: string;
  /** Each node keeps its disk in <dataDir>/<id>. */
  dataDir: string;
  logDir: string;
  seed?: number;
  readyTimeoutMs?: number;
  /** Stretch node timers and clocks (see NodeRuntime.timeScale); default 1. */
  timeScale?: number;
  /** A ready node's process ended without kill() or stop() (it crashed, or someone killed its PID). */
  onUnexpectedExit?: (id: NodeId, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** Generous: a busy machine may take many seconds to start tsx and load the node. */
const READY_TIMEOUT_MS = 60_000;
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
  /** kill() or stop() ended it. */
  stopping?: boolean;
}

type Ports = { http: number; peer: number };

/** A node whose process ended without kill() or stop(), with what its log says about why. */
export interface NodeCrash {
  id: NodeId;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The node's FATAL line, or the end of its log. */
  why: string;
}

export class Cluster {
  readonly ids: NodeId[];
  private procs = new Map<NodeId, Proc>();
  private readonly host: string;
  /** Each node's ports: fixed, or as it last reported them (0 until then). */
  private readonly ports = new Map<NodeId, Ports>();
  private readonly crashed: NodeCrash[] = [];

  constructor(readonly opts: ClusterOptions) {
    if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > 9)
      throw new RangeError(`--nodes must be 1..9, got ${opts.nodes}`);
    const base = opts.basePort ?? 0;
    if (!Number.isInteger(base) || (base !== 0 && (base < 1024 || base + 100 + opts.nodes > 65535)))
      throw new RangeError(
        `--base-port must be 0 (ports from the OS) or leave room for ${opts.nodes} HTTP and peer ports, got ${opts.basePort}`,
      );
    this.host = opts.host ?? "127.0.0.1";
    this.ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    this.ids.forEach((id, k) => {
      this.ports.set(id, base === 0 ? { http: 0, peer: 0 } : { http: base + k, peer: base + 100 + k });
    });
    mkdirSync(opts.logDir, { recursive: true });
  }

  /** The node's HTTP base URL (known once the node reported ready). */
  url(id: NodeId): string {
    const p = this.ports.get(id);
    if (!p) throw new RangeError(`no node ${id}; nodes: ${this.ids.join(", ")}`);
    if (p.http === 0) throw new Error(`${id} has not reported its port yet (start it first)`);
    return `http://${this.host}:${p.http}`;
  }

  private addresses(): NodeProcessConfig["cluster"] {
    return Object.fromEntries(
      this.ids.map((n) => [
        n,
        {
          http: { host: this.host, port: this.ports.get(n)?.http ?? 0 },
          peer: { host: this.host, port: this.ports.get(n)?.peer ?? 0 },
        },
      ]),
    );
  }

  /** Tell every running node where the others are now. */
  private announce(): void {
    const line = `${JSON.stringify({ cluster: this.addresses() })}\n`;
    for (const p of this.procs.values()) if (p.child.stdin?.writable) p.child.stdin.write(line);
  }

  private config(id: NodeId): NodeProcessConfig {
    const i = this.ids.indexOf(id);
    const cluster = this.addresses();
    // A node started on OS ports gets new ones at every start: ask for 0 again.
    if (!this.opts.basePort) cluster[id] = { http: { host: this.host, port: 0 }, peer: { host: this.host, port: 0 } };
    return {
      id,
      cluster,
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
    const log = createWriteStream(this.logFile(id), { flags: "a" });
    const child = spawn(process.execPath, ["--import", TSX, NODE_MAIN, JSON.stringify(this.config(id))], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin?.on("error", () => {}); // a killed node's pipe: nothing to tell it any more
    live.add(child);
    let wasReady = false;
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code, signal) => {
        live.delete(child);
        resolve(code);
        const p = this.procs.get(id);
        if (wasReady && p?.child === child && !p.stopping) {
          this.procs.delete(id);
          p.log.end();
          const crash: NodeCrash = { id, code, signal, why: "" };
          this.crashed.push(crash);
          // The log stream flushes what the node printed last a moment later.
          setTimeout(() => (crash.why = this.lastWords(id)), 100);
          this.opts.onUnexpectedExit?.(id, code, signal);
        }
      }),
    );
    this.procs.set(id, { child, exited, log });
    child.stderr?.pipe(log, { end: false });
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${id} not ready within ${this.opts.readyTimeoutMs ?? READY_TIMEOUT_MS} ms (see ${this.logFile(id)})`,
            ),
          ),
        this.opts.readyTimeoutMs ?? READY_TIMEOUT_MS,
      );
      child.stdout?.on("data", (chunk: Buffer) => {
        log.write(chunk);
        if (seen !== "done") {
          seen += chunk.toString("utf8");
          const ready = new RegExp(`READY ${id} http=(\\d+) peer=(\\d+)`).exec(seen);
          if (ready) {
            seen = "done";
            clearTimeout(timer);
            this.ports.set(id, { http: Number(ready[1]), peer: Number(ready[2]) });
            wasReady = true;
            this.announce();
            resolve();
          }
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        if (seen !== "done") {
          // Give the log stream a moment to flush, then quote its end: it says why the node died.
          setTimeout(
            () =>
              reject(
                new Error(
                  `${id} exited with code ${code} before it was ready (log ${this.logFile(id)}):\n${this.lastWords(id)}`,
                ),
              ),
            100,
          );
        }
      });
    });
  }

  private logFile(id: NodeId): string {
    return join(this.opts.logDir, `${id}.log`);
  }

  /** Why a node died, from its log: its last FATAL line, or else the log's last lines. */
  private lastWords(id: NodeId): string {
    const file = this.logFile(id);
    const lines = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
    return lines.findLast((l) => l.includes("FATAL:")) ?? lines.slice(-6).join("\n");
  }

  /**
   * The nodes that died on their own since the cluster was created (a throw in a handler, an
   * exit, a kill from outside), oldest first. A drill that waits for the cluster checks this
   * instead of waiting out its deadline.
   */
  crashes(): readonly NodeCrash[] {
    return this.crashed;
  }

  /** Kill a node (SIGKILL by default: no cleanup, unsynced writes lost) and wait for it to exit. */
  async kill(id: NodeId, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const p = this.procs.get(id);
    if (!p) return;
    p.stopping = true;
    p.child.kill(signal);
    await p.exited;
    this.procs.delete(id);
    p.log.end();
  }

  /** The node's process id while it runs. */
  pid(id: NodeId): number | undefined {
    return this.procs.get(id)?.child.pid;
  }

  isRunning(id: NodeId): boolean {
    return this.procs.has(id);
  }

  /** SIGTERM every node, then SIGKILL what has not exited within `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    await Promise.all(
      [...this.procs.keys()].map(async (id) => {
        const p = this.procs.get(id) as Proc;
        p.stopping = true;
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
    const r = await fetch(`${this.url(id)}/admin/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(faults),
      signal: AbortSignal.timeout(2000),
    });
    if (!r.ok) throw new Error(`setFaults(${id}): ${r.status} ${await r.text()}`);
    return (await r.json()) as RealFaults;
  }
}
