/**
 * The implementation's FailoverController in a restricted process (Node's permission model: it
 * reads its bundle and the `pg` package, writes nothing, starts no process), driven over the IPC
 * channel with JSON. Its SQL reaches the servers only through the grader's links; the actions it
 * asks for (promote, stop, rewind, start as standby) are carried out here, on the grader's
 * servers, and logged with their times so the checks can read what the controller did.
 */
import type { ChildProcess } from "node:child_process";
import { checkProcessLabLoads, spawnRestricted, type ProcessBundle, labProcessBundle } from "@faultline/grading";
import {
  LOADED,
  type ControllerRole,
  type HostMessage,
  type HostRequest,
} from "@faultline/lab-pg-failover/framework/host";
import type { ControllerOptions, NodeReport } from "@faultline/lab-pg-failover/framework";
import { NODES, type Node, type PgCluster } from "./postgres.ts";

const LAB = "pg-failover";
export const LOAD_LIMIT_MS = 10_000;

/** The bundle of the implementation at `implPath` with the lab's host (made once while its files do not change). */
export function learnerBundle(implPath: string): Promise<ProcessBundle> {
  return labProcessBundle(LAB, implPath);
}

/** Does the implementation load (bundled, then imported by a restricted process)? Throws why not. */
export function checkLoads(implPath: string): Promise<void> {
  return checkProcessLabLoads(LAB, implPath, {
    spawn: (bundle) =>
      spawnRestricted({
        script: bundle.file,
        readFolders: bundle.packageDirs,
        env: { FAULTLINE_PGF_HOST: JSON.stringify({ role: "load" }) },
      }),
    loaded: LOADED,
    limitMs: LOAD_LIMIT_MS,
  });
}

/** A NotImplemented of the implementation, surfaced in the grader (the stub is "not started"). */
export function notImplemented(message: string): Error {
  const e = new Error(message);
  e.name = "NotImplemented";
  return e;
}

export interface ActionRecord {
  kind: string;
  node: Node;
  source?: Node;
  /** ms since the process started (performance.now of the grader). */
  at: number;
  error?: string;
}

const NODE_SET = new Set<string>(NODES);

export class ControllerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private text = "";
  private exitInfo: string | undefined;
  readonly actions: ActionRecord[] = [];
  /** The first error a tick threw (a NotImplemented from a stub, or a bug). */
  tickError: { name: string; message: string } | undefined;
  tickErrors = 0;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly cluster: PgCluster,
  ) {
    const keep = (c: Buffer) => (this.text = (this.text + c.toString("utf8")).slice(-3000));
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    proc.stdin?.on("error", () => {});
    proc.on("error", () => {});
    proc.on("message", (m: HostMessage) => this.onMessage(m));
    proc.once("exit", (code, signal) => {
      this.exitInfo = signal ? `killed by ${signal}` : `exit code ${code}`;
      for (const p of this.pending.values())
        p.reject(
          new Error(
            `the process running your FailoverController ended (${this.exitInfo}${code === 0 ? ": did your code call process.exit?" : ""}): ${this.text.trim().split("\n").slice(-6).join("\n")}`,
          ),
        );
      this.pending.clear();
    });
  }

  static async start(
    implPath: string,
    cluster: PgCluster,
    options: Partial<ControllerOptions>,
  ): Promise<ControllerProcess> {
    const bundle = await learnerBundle(implPath);
    const role: ControllerRole = {
      role: "controller",
      nodes: NODES.map((n) => ({ name: n, port: cluster.ctl.get(n)!.port })),
      conninfo: Object.fromEntries(
        NODES.map((s) => [s, Object.fromEntries(NODES.filter((p) => p !== s).map((p) => [p, cluster.conninfo(s, p)]))]),
      ),
      options,
      maxLifetimeMs: 240_000,
    };
    const proc = spawnRestricted({
      script: bundle.file,
      readFolders: bundle.packageDirs,
      env: { FAULTLINE_PGF_HOST: JSON.stringify(role) },
      ipc: true,
    });
    return new ControllerProcess(proc, cluster);
  }

  get exited(): string | undefined {
    return this.exitInfo;
  }

  output(): string {
    return this.text;
  }

  private onMessage(m: HostMessage): void {
    if (typeof m !== "object" || m === null) return;
    if ("event" in m) {
      this.tickErrors++;
      this.tickError ??= { name: String(m.name), message: String(m.message) };
      return;
    }
    if ("action" in m) {
      void this.perform(m);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) {
      const e =
        m.error.name === "NotImplemented"
          ? notImplemented(m.error.message)
          : new Error(`${m.error.name}: ${m.error.message}`);
      p.reject(e);
    } else p.resolve(m.result);
  }

  /** Carry out an action on the real servers, and answer the controller. */
  private async perform(m: Extract<HostMessage, { action: number }>): Promise<void> {
    const node = String(m.node);
    const source = m.source === undefined ? undefined : String(m.source);
    const rec: ActionRecord = { kind: String(m.kind), node: node as Node, at: performance.now() };
    if (source !== undefined) rec.source = source as Node;
    this.actions.push(rec);
    let error: string | undefined;
    try {
      if (!NODE_SET.has(node) || (source !== undefined && (!NODE_SET.has(source) || source === node)))
        throw new Error(`no such server or link: ${node}${source ? ` from ${source}` : ""}`);
      const n = node as Node;
      if (m.kind === "promote") await this.cluster.promote(n);
      else if (m.kind === "stop") await this.cluster.stopServer(n, "fast");
      else if (m.kind === "rewind") {
        if (this.cluster.running(n)) throw new Error(`pg_rewind needs ${n} stopped (cluster.stop first)`);
        await this.cluster.rewind(n, source as Node);
      } else if (m.kind === "startAsStandby") {
        if (this.cluster.running(n)) throw new Error(`${n} is already running`);
        await this.cluster.startAsStandby(n, source as Node);
      } else throw new Error(`unknown action ${String(m.kind)}`);
    } catch (err) {
      error = (err as Error).message.split("\n").slice(0, 4).join("\n");
      rec.error = error;
    }
    const reply: HostRequest = error === undefined ? { reply: m.action } : { reply: m.action, error };
    if (this.proc.connected) this.proc.send(reply, () => {});
  }

  private call(op: "observe" | "primary" | "run" | "halt", timeoutMs = 10_000): Promise<unknown> {
    if (this.exitInfo) return Promise.reject(new Error(`the controller process has ended (${this.exitInfo})`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new Error(
            `FailoverController.${op === "run" || op === "halt" ? "tick" : op} did not answer within ${timeoutMs / 1000} s`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ id, op } satisfies HostRequest, () => {});
    });
  }

  async observe(): Promise<NodeReport[]> {
    const r = await this.call("observe");
    if (!Array.isArray(r)) throw new Error(`observe() returned ${JSON.stringify(r)}, not an array of reports`);
    return r as NodeReport[];
  }

  /** The controller's current primary (undefined when it names none or names no server). */
  async primary(): Promise<Node | undefined> {
    const r = await this.call("primary", 5_000);
    return typeof r === "string" && NODE_SET.has(r) ? (r as Node) : undefined;
  }

  async run(): Promise<void> {
    await this.call("run");
  }

  async halt(): Promise<void> {
    await this.call("halt").catch(() => {});
  }

  async kill(): Promise<void> {
    if (this.exitInfo) return;
    const gone = new Promise<void>((r) => this.proc.once("exit", () => r()));
    this.proc.kill("SIGKILL");
    await gone;
  }
}
