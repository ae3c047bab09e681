/**
 * Shared pieces of the quorum-kv grader: the cluster, a client that records a history, the
 * placement rule of the README (recomputed here, independently of the code under test) and
 * read-only views of what each replica stores.
 */
import type { ScenarioContext } from "@faultline/grading";
import { OPEN, UNKNOWN, type Operation } from "@faultline/check";
import type { NodeId, Simulation } from "@faultline/sim";
import type * as Lab from "@faultline/lab-quorum-kv";
import type { ClientReply, Config, Context, Hint, Msg, Version } from "@faultline/lab-quorum-kv";

export type Impl = typeof Lab;
export type Ctx = ScenarioContext<Impl>;
export type Sim = Simulation<Msg, string>;

/** The introspection hooks the README promises. */
export interface Inspectable {
  versions(key: string): Version[];
  hints(): Hint[];
}

// ------------------------------------------------------------------ placement (README rule)

function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The key's preference list over `nodes`: replicas first, then fallbacks. */
export function preference(key: string, nodes: readonly NodeId[]): NodeId[] {
  const ring = [...nodes].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const start = fnv1a(key) % ring.length;
  return [...ring.slice(start), ...ring.slice(0, start)];
}

/** A key whose preference list starts with `first` (scenarios pick roles, then a key). */
export function keyStartingAt(first: NodeId, nodes: readonly NodeId[], prefix = "key"): string {
  for (let i = 0; i < 10_000; i++) {
    const k = `${prefix}${i}`;
    if (preference(k, nodes)[0] === first) return k;
  }
  throw new Error(`no key starts at ${first}`);
}

// ------------------------------------------------------------------ versions as the spec orders them

export function stampText(v: Version): string {
  return `${v.value === null ? "tombstone" : JSON.stringify(v.value)} (t=${v.stamp.t}, ${v.stamp.node}${Object.keys(v.vv).length ? `, vv ${JSON.stringify(v.vv)}` : ""})`;
}

export function versionsText(vs: readonly Version[]): string {
  return vs.length === 0 ? "nothing" : vs.map(stampText).join(" and ");
}

export function cmpStamp(a: Version["stamp"], b: Version["stamp"]): number {
  if (a.t !== b.t) return a.t < b.t ? -1 : 1;
  return a.node === b.node ? 0 : a.node < b.node ? -1 : 1;
}

/** a <= b entry-wise (b descends from a). */
export function descends(b: Version["vv"], a: Version["vv"]): boolean {
  return Object.keys(a).every((k) => (b[k] ?? 0) >= (a[k] ?? 0));
}

// ------------------------------------------------------------------ cluster

export interface ClusterOptions {
  nodes: number;
  clients: number;
  config: Partial<Config>;
  faults?: Parameters<Ctx["sim"]>[0]["faults"];
}

export function cluster(ctx: Ctx, o: ClusterOptions): Sim {
  const config = o.config;
  const sim = ctx.sim<Msg, string>({
    nodes: o.nodes,
    clients: o.clients,
    factory: () => new ctx.impl.KvNode(config) as never,
    ...(o.faults ? { faults: o.faults } : {}),
  });
  sim.start();
  return sim;
}

/** The versions node `id` stores for `key` (undefined while it is down). */
export function stored(sim: Sim, id: NodeId, key: string): Version[] | undefined {
  const n = sim.node<Inspectable>(id);
  return n ? n.versions(key) : undefined;
}

export function hintsOf(sim: Sim, id: NodeId): Hint[] {
  return sim.node<Inspectable>(id)?.hints() ?? [];
}

export function configText(c: Partial<Config>): string {
  return `mode ${c.mode ?? "lww"}, N=${c.n ?? 3}, W=${c.w ?? 2}, R=${c.r ?? 2}${c.sloppy ? ", sloppy quorum" : ""}${c.readRepair === false ? ", read repair off" : ""}`;
}

// ------------------------------------------------------------------ client with a history

export type KvInput = { op: "get"; key: string } | { op: "put"; key: string; value: string };

export interface Recorded {
  client: NodeId;
  via: NodeId;
  kind: "get" | "put" | "delete";
  key: string;
  value?: string;
  /** get: values returned; undefined when the outcome is unknown (timeout or fail). */
  values?: string[];
  context?: Context;
  ok: boolean;
  /** The coordinator's answer: "getOk", "putOk", "deleteOk", "fail"; undefined when none came. */
  answer?: ClientReply["type"];
  call: number;
  /** OPEN when the outcome is unknown. */
  ret: number;
}

export class KvClient {
  private n = 0;
  constructor(
    private readonly sim: Sim,
    readonly id: NodeId,
    readonly log: Recorded[],
    /** How long a request waits for its answer (a later phase of a test may wait longer). */
    public timeoutMs = 600,
  ) {}

  private async call(via: NodeId, req: Lab.ClientRequest): Promise<ClientReply | undefined> {
    const r = await this.sim
      .client(this.id)
      .call(
        via,
        req,
        (m) =>
          "id" in m &&
          m.id === req.id &&
          (m.type === "getOk" || m.type === "putOk" || m.type === "deleteOk" || m.type === "fail"),
        this.timeoutMs,
      );
    return r as ClientReply | undefined;
  }

  async get(via: NodeId, key: string): Promise<Recorded> {
    const call = this.sim.now;
    const r = await this.call(via, { type: "get", id: `${this.id}-${++this.n}`, key });
    const rec: Recorded = {
      client: this.id,
      via,
      kind: "get",
      key,
      ok: r?.type === "getOk",
      ...(r ? { answer: r.type } : {}),
      call,
      ret: r?.type === "getOk" ? this.sim.now : OPEN,
    };
    if (r?.type === "getOk") {
      rec.values = r.values;
      rec.context = r.context;
    }
    this.log.push(rec);
    return rec;
  }

  async put(via: NodeId, key: string, value: string, context?: Context): Promise<Recorded> {
    const call = this.sim.now;
    const req: Lab.ClientRequest = {
      type: "put",
      id: `${this.id}-${++this.n}`,
      key,
      value,
      ...(context ? { context } : {}),
    };
    const r = await this.call(via, req);
    const rec: Recorded = {
      client: this.id,
      via,
      kind: "put",
      key,
      value,
      ok: r?.type === "putOk",
      ...(r ? { answer: r.type } : {}),
      call,
      ret: r?.type === "putOk" ? this.sim.now : OPEN,
    };
    if (r?.type === "putOk") rec.context = r.context;
    this.log.push(rec);
    return rec;
  }

  async delete(via: NodeId, key: string, context?: Context): Promise<Recorded> {
    const call = this.sim.now;
    const r = await this.call(via, {
      type: "delete",
      id: `${this.id}-${++this.n}`,
      key,
      ...(context ? { context } : {}),
    });
    const rec: Recorded = {
      client: this.id,
      via,
      kind: "delete",
      key,
      ok: r?.type === "deleteOk",
      ...(r ? { answer: r.type } : {}),
      call,
      ret: r?.type === "deleteOk" ? this.sim.now : OPEN,
    };
    this.log.push(rec);
    return rec;
  }

  sleep(ms: number): Promise<void> {
    return this.sim.client(this.id).sleep(ms);
  }
}

/** A recorded get/put list as a history for the key-value linearizability model. */
export function toHistory(
  log: readonly Recorded[],
  clientIndex: (c: NodeId) => number,
): Operation<KvInput, string | null>[] {
  const out: Operation<KvInput, string | null>[] = [];
  for (const r of log) {
    if (r.kind === "get") {
      if (!r.ok) continue; // a get that returned nothing changed nothing
      out.push({
        client: clientIndex(r.client),
        input: { op: "get", key: r.key },
        output: r.values?.[0] ?? "",
        call: r.call,
        return: r.ret,
      });
    } else if (r.kind === "put") {
      out.push({
        client: clientIndex(r.client),
        input: { op: "put", key: r.key, value: r.value as string },
        output: r.ok ? null : UNKNOWN,
        call: r.call,
        return: r.ok ? r.ret : OPEN,
      });
    }
  }
  return out;
}

export function describeOp(r: Recorded): string {
  const when = `[${r.call.toFixed(1)}, ${r.ret === OPEN ? "no answer" : r.ret.toFixed(1)} ms]`;
  if (r.kind === "get")
    return `${r.client} get(${r.key}) via ${r.via} -> ${r.ok ? JSON.stringify(r.values) : "no answer"} ${when}`;
  if (r.kind === "put")
    return `${r.client} put(${r.key}, ${JSON.stringify(r.value)}) via ${r.via} ${r.ok ? "ok" : "unknown"} ${when}`;
  return `${r.client} delete(${r.key}) via ${r.via} ${r.ok ? "ok" : "unknown"} ${when}`;
}

/** End-of-run check: every request in `log` was answered (`setting` says why each one should be). */
export function checkAllAnswered(ctx: Ctx, log: readonly Recorded[], invariant: string, setting: string): void {
  const failed = log.filter((r) => !r.ok);
  ctx.check(
    failed.length === 0,
    invariant,
    () => `${failed.length} requests got no answer ${setting}, first: ${describeOp(failed[0] as Recorded)}`,
  );
}

export function pick<T>(ctx: Ctx, xs: readonly T[]): T {
  return ctx.rng.pick(xs as T[]);
}
