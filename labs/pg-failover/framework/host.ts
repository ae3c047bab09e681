/**
 * The process your controller runs in when it is graded. The grader bundles your src/ with this
 * file and starts the bundle under Node's permission model (it reads the bundle and the `pg`
 * package, writes nothing, starts no process), with FAULTLINE_PGF_HOST naming its role:
 *   controller  your FailoverController, driven by the grader over the IPC channel: "observe"
 *               (part A), "run" (call tick() about every TICK_MS, one at a time) and "primary"
 *               (what the grader's client library asks before it writes);
 *   load        only loads your module and checks its exports.
 * SQL goes straight from here to the servers (through the grader's links); promote, stop,
 * rewind and start-as-standby are carried out by the grader, which owns the servers.
 */
import pg from "pg";
import {
  DEFAULT_OPTIONS,
  type Cluster,
  type ControllerOptions,
  type FailoverControllerLike,
  type Row,
} from "./types.ts";

export const TICK_MS = 200;
export const LOADED = "faultline:loaded";

export interface ControllerRole {
  role: "controller";
  /** Each server and the port of the controller's link to it. */
  nodes: Array<{ name: string; port: number }>;
  /** conninfo[standby][primary]: the primary_conninfo of that replication link. */
  conninfo: Record<string, Record<string, string>>;
  options?: Partial<ControllerOptions>;
  /** The process exits by itself after this many ms (an orphan guard; default 300 s). */
  maxLifetimeMs?: number;
}

export type HostRole = ControllerRole | { role: "load" };

export type ActionKind = "promote" | "stop" | "rewind" | "startAsStandby";

/** grader -> host */
export type HostRequest =
  | { id: number; op: "observe" | "primary" | "run" | "halt" }
  | { reply: number; error?: string };
/** host -> grader */
export type HostMessage =
  | { id: number; result?: unknown; error?: { name: string; message: string } }
  | { action: number; kind: ActionKind; node: string; source?: string }
  | { event: "tick-error"; name: string; message: string };

interface Impl {
  FailoverController?: new (cluster: Cluster, options: ControllerOptions) => FailoverControllerLike;
}

export async function runHost(impl: Impl): Promise<void> {
  const role = JSON.parse(process.env.FAULTLINE_PGF_HOST ?? '{"role":"load"}') as HostRole;
  if (role.role === "load") {
    if (typeof impl.FailoverController !== "function") {
      process.stderr.write("the module does not export FailoverController (a class)\n");
      process.exit(2);
    }
    process.stdout.write(`${LOADED}\n`);
    return;
  }
  const guard = setTimeout(() => process.exit(3), role.maxLifetimeMs ?? 300_000);
  guard.unref();
  process.stdin.on("end", () => process.exit(4));
  process.stdin.on("error", () => process.exit(4));
  process.stdin.resume();
  controller(impl, role);
}

function controller(impl: Impl, role: ControllerRole): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error("a controller host needs an IPC channel");
  process.on("disconnect", () => process.exit(0));
  const ports = new Map(role.nodes.map((n) => [n.name, n.port]));
  let nextAction = 1;
  const actions = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const act = (kind: ActionKind, node: string, source?: string) => {
    if (!ports.has(node)) return Promise.reject(new Error(`no server named ${JSON.stringify(node)}`));
    if (source !== undefined && !ports.has(source))
      return Promise.reject(new Error(`no server named ${JSON.stringify(source)}`));
    const n = nextAction++;
    return new Promise<void>((resolve, reject) => {
      actions.set(n, { resolve, reject });
      send({ action: n, kind, node, ...(source !== undefined ? { source } : {}) } satisfies HostMessage);
    });
  };
  const started = performance.now();
  const cluster: Cluster = {
    nodes: Object.freeze(role.nodes.map((n) => n.name)),
    async query(node: string, sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      const port = ports.get(node);
      if (port === undefined) throw new Error(`no server named ${JSON.stringify(node)}`);
      const client = new pg.Client({
        host: "127.0.0.1",
        port,
        user: "postgres",
        database: "postgres",
        connectionTimeoutMillis: 1000,
        query_timeout: 2000,
        application_name: "failover-controller",
      });
      client.on("error", () => {});
      try {
        await client.connect();
        const r = await client.query(sql, [...params]);
        return r.rows as Row[];
      } finally {
        void client.end().catch(() => {});
      }
    },
    promote: (node) => act("promote", node),
    stop: (node) => act("stop", node),
    rewind: (node, source) => act("rewind", node, source),
    startAsStandby: (node, source) => act("startAsStandby", node, source),
    conninfo(standby, primary) {
      const c = role.conninfo[standby]?.[primary];
      if (c === undefined) throw new Error(`no replication link from ${standby} to ${primary}`);
      return c;
    },
    now: () => performance.now() - started,
  };
  const Controller = impl.FailoverController;
  let ctl: FailoverControllerLike | undefined;
  let constructError: unknown;
  try {
    if (typeof Controller !== "function") throw new Error("the module does not export FailoverController");
    ctl = new Controller(cluster, { ...DEFAULT_OPTIONS, ...role.options });
  } catch (err) {
    constructError = err;
  }
  const errorOf = (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    return { name: String(e.name), message: String(e.message) };
  };
  let running = false;
  const loop = async () => {
    while (running && ctl) {
      try {
        await ctl.tick();
      } catch (err) {
        send({ event: "tick-error", ...errorOf(err) } satisfies HostMessage);
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
  };
  process.on("message", (m: HostRequest) => {
    if ("reply" in m) {
      const a = actions.get(m.reply);
      if (!a) return;
      actions.delete(m.reply);
      if (m.error === undefined) a.resolve();
      else a.reject(new Error(m.error));
      return;
    }
    const reply = (p: Promise<unknown>) =>
      p.then(
        (result) => send({ id: m.id, result: JSON.parse(JSON.stringify(result ?? null)) } satisfies HostMessage),
        (err: unknown) => send({ id: m.id, error: errorOf(err) } satisfies HostMessage),
      );
    if (!ctl) {
      void reply(Promise.reject(constructError));
      return;
    }
    const c = ctl;
    if (m.op === "observe") void reply(Promise.resolve().then(() => c.observe()));
    else if (m.op === "primary") void reply(Promise.resolve().then(() => c.primary()));
    else if (m.op === "run") {
      if (!running) {
        running = true;
        void loop();
      }
      void reply(Promise.resolve(null));
    } else {
      running = false;
      void reply(Promise.resolve(null));
    }
  });
}
