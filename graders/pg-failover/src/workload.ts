/**
 * The clients: writers that insert numbered rows into `ledger` and log every acknowledgment,
 * using the given client library (ask the controller for the primary, keep writing there, ask
 * again after any error); a probe that asks every server, as a client would, whether it accepts
 * writes; and the audit that compares the log with the rows on the final primary.
 */
import pg from "pg";
import { NODES, sleep, type Node, type PgCluster } from "./postgres.ts";

export interface Ack {
  id: number;
  node: Node;
  /** performance.now() when the commit was acknowledged. */
  at: number;
  latencyMs: number;
}

/** Row ids: each workload gets its own range, so two never collide. */
let nextRange = 1;

export class Workload {
  readonly acks: Ack[] = [];
  /** Writes with no answer (an error or a timeout): they may or may not be in the database. */
  readonly unknown: number[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private next: number;

  constructor(
    private readonly cluster: PgCluster,
    /** Where to write: the controller's primary (the client library), or a fixed server. */
    private readonly route: () => Promise<Node | undefined>,
    private readonly writers: number,
    private readonly name: string,
    private readonly pauseMs = 5,
  ) {
    this.next = nextRange++ * 10_000_000;
  }

  start(): void {
    this.running = true;
    for (let w = 0; w < this.writers; w++) this.loops.push(this.loop(`${this.name}-${w}`));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(writer: string): Promise<void> {
    let node: Node | undefined;
    let client: pg.Client | undefined;
    const drop = () => {
      const c = client;
      client = undefined;
      node = undefined;
      if (c) void c.end().catch(() => {});
    };
    while (this.running) {
      if (node === undefined) {
        node = await this.route().catch(() => undefined);
        if (node === undefined) {
          await sleep(50);
          continue;
        }
      }
      const id = this.next++;
      const t0 = performance.now();
      try {
        if (!client) {
          client = new pg.Client({
            host: "127.0.0.1",
            port: this.cluster.port(node),
            user: "postgres",
            database: "postgres",
            connectionTimeoutMillis: 1_000,
            // A commit waiting for a standby that never answers is no acknowledgment.
            query_timeout: 3_000,
            application_name: writer,
          });
          client.on("error", () => {});
          await client.connect();
        }
        await client.query("INSERT INTO ledger (id, writer) VALUES ($1, $2)", [id, writer]);
        const at = performance.now();
        this.acks.push({ id, node, at, latencyMs: at - t0 });
      } catch {
        this.unknown.push(id);
        drop();
        await sleep(50);
        continue;
      }
      if (this.pauseMs > 0) await sleep(this.pauseMs);
    }
    drop();
  }

  /** The first acknowledgment after `t` by a server other than `not`. */
  firstAckAfter(t: number, not: Node): Ack | undefined {
    return this.acks.find((a) => a.at > t && a.node !== not);
  }
}

/** Acknowledged ids missing from `node`'s ledger. */
export async function lostWrites(cluster: PgCluster, node: Node, acks: readonly Ack[]): Promise<Ack[]> {
  const rows = await cluster.sql<{ id: string }>(node, "SELECT id::text AS id FROM ledger", [], 20_000);
  const present = new Set(rows.map((r) => Number(r.id)));
  return acks.filter((a) => !present.has(a.id));
}

export interface Sample {
  at: number;
  writable: Node[];
}

/** Asks every server every 150 ms whether it accepts writes (not in recovery), as a client would. */
export class WritableProbe {
  readonly samples: Sample[] = [];
  private running = false;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly cluster: PgCluster) {}

  start(): void {
    this.running = true;
    this.done = (async () => {
      while (this.running) {
        const at = performance.now();
        const states = await Promise.all(
          NODES.map((n) =>
            this.cluster
              .sql<{ r: boolean }>(n, "SELECT pg_is_in_recovery() AS r", [], 1_000)
              .then((rows) => (rows[0]?.r === false ? n : undefined))
              .catch(() => undefined),
          ),
        );
        this.samples.push({ at, writable: states.filter((s): s is Node => s !== undefined) });
        await sleep(150);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** The longest stretch (ms) during which two servers accepted writes, and when it began. */
  longestSplit(): { ms: number; from?: number; nodes?: Node[] } {
    let best: { ms: number; from?: number; nodes?: Node[] } = { ms: 0 };
    let start: Sample | undefined;
    for (const s of this.samples) {
      if (s.writable.length >= 2) {
        start ??= s;
        const ms = s.at - start.at;
        if (ms >= best.ms) best = { ms, from: start.at, nodes: s.writable };
      } else start = undefined;
    }
    return best;
  }
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
