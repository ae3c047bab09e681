/**
 * The clusters of the lab and the grader's own lock clients. In Parts A and B the clients are the
 * grader's endpoints (c1, c2, ...), so a scenario decides exactly when a client pauses; in Part C
 * they are the learner's LockClient nodes (w1, w2, ...), which the grader pauses, cuts off and
 * whose clocks it moves. In Part E the grader's endpoints read and write through the learner's
 * LeaseLeader replicas (r1, r2, r3).
 */
import { LOCK_SERVER, LOCK_SERVERS, REPLICAS, STORAGE, type Msg } from "@faultline/lab-lease-lock";
import type { NodeId } from "@faultline/sim";
import type { Ctx, Sim } from "./props.ts";

/** How long a grader client waits for an answer. */
export const ANSWER_MS = 200;

/** A lock server alone, with `clients` grader clients. */
export function lockOnly(ctx: Ctx, clients: number): Sim {
  return ctx.sim<Msg>({ nodes: [LOCK_SERVER], clients, factory: () => new ctx.impl.LockServer() });
}

/** The lock server and the auditing storage (Part B), with grader clients. */
export function auditCluster(ctx: Ctx, clients: number): Sim {
  return ctx.sim<Msg>({
    nodes: [LOCK_SERVER, STORAGE],
    clients,
    factory: (id) => (id === LOCK_SERVER ? new ctx.impl.LockServer() : new ctx.impl.AuditingStorage()),
  });
}

/** The lock server, the fenced storage and `writers` LockClient nodes w1..wN (Part C). */
export function fencedCluster(ctx: Ctx, writers: number): { sim: Sim; writers: NodeId[] } {
  const ws = Array.from({ length: writers }, (_, i) => `w${i + 1}`);
  const sim = ctx.sim<Msg>({
    nodes: [LOCK_SERVER, STORAGE, ...ws],
    clients: 0,
    factory: (id) =>
      id === LOCK_SERVER
        ? new ctx.impl.LockServer()
        : id === STORAGE
          ? new ctx.impl.FencedStorage()
          : new ctx.impl.LockClient(),
  });
  return { sim, writers: ws };
}

/** Request ids per simulation, so a run's messages depend on nothing but its seed. */
const requestIds = new WeakMap<Sim, number>();

/** A grader client's requests to the lock server and the storage, each with its own id. */
export class GraderClient {
  constructor(
    private readonly sim: Sim,
    readonly id: NodeId,
  ) {}

  private req(): number {
    const id = (requestIds.get(this.sim) ?? 0) + 1;
    requestIds.set(this.sim, id);
    return id;
  }

  /** `acquire`; the token when granted, undefined when busy or unanswered. */
  async acquire(ttlMs: number): Promise<number | undefined> {
    const r = await this.acquireAnswer(ttlMs);
    return typeof r === "number" ? r : undefined;
  }

  /**
   * `acquire` with request id `id` (a new one if not given: the same id again is a duplicate):
   * the token when granted, "busy", or undefined when unanswered.
   */
  async acquireAnswer(ttlMs: number, id = this.req()): Promise<number | "busy" | undefined> {
    const r = await this.sim
      .client(this.id)
      .call(
        LOCK_SERVER,
        { type: "acquire", id, ttlMs },
        (m) => (m.type === "granted" || m.type === "busy") && m.id === id,
        ANSWER_MS,
      );
    return r === undefined ? undefined : r.type === "granted" ? r.token : "busy";
  }

  /** A fresh request id, for a request to be sent more than once. */
  newId(): number {
    return this.req();
  }

  /** Ask every `everyMs` until granted or `withinMs` has passed. */
  async acquireWithin(ttlMs: number, everyMs: number, withinMs: number): Promise<number | undefined> {
    const until = this.sim.now + withinMs;
    while (this.sim.now < until) {
      const t = await this.acquire(ttlMs);
      if (t !== undefined) return t;
      await this.sim.client(this.id).sleep(everyMs);
    }
    return undefined;
  }

  /** `renew` or `release`: "ok" when renewed/released, "refused" on not_holder, undefined unanswered. */
  async ask(type: "renew" | "release", token: number): Promise<"ok" | "refused" | undefined> {
    const id = this.req();
    const ok = type === "renew" ? "renewed" : "released";
    const r = await this.sim
      .client(this.id)
      .call(
        LOCK_SERVER,
        { type, id, token },
        (m) => (m.type === ok || m.type === "not_holder") && m.id === id,
        ANSWER_MS,
      );
    return r === undefined ? undefined : r.type === ok ? "ok" : "refused";
  }

  /** Write to the storage; "ok", "rejected" or undefined when unanswered. */
  async write(token: number, op: "put" | "append", key: string, value: string): Promise<"ok" | "rejected" | undefined> {
    const id = this.req();
    const r = await this.sim
      .client(this.id)
      .call(
        STORAGE,
        { type: "write", id, token, op, key, value },
        (m) => (m.type === "write_ok" || m.type === "write_rejected") && m.id === id,
        ANSWER_MS,
      );
    return r === undefined ? undefined : r.type === "write_ok" ? "ok" : "rejected";
  }

  /** Forget answers that arrived and matched no request (late copies of earlier answers). */
  clearInbox(): void {
    this.sim.client(this.id).clearInbox();
  }

  /** True time now. */
  now(): number {
    return this.sim.now;
  }

  sleep(ms: number): Promise<void> {
    return this.sim.client(this.id).sleep(ms);
  }
}

/** Delays, and duplicates on every link (requests and answers alike). */
export function hostile(sim: Sim, duplicate: number, delayMs: [number, number]): void {
  sim.setFaults({ drop: 0, duplicate, copies: 2, delay: { kind: "uniform", min: delayMs[0], max: delayMs[1] } });
}

/** Five lock servers l1..l5 (LockServer) and `clients` MajorityLockClient nodes m1..mN (Part D). */
export function majorityCluster(ctx: Ctx, clients: number, graderClients = 0): { sim: Sim; clients: NodeId[] } {
  const ms = Array.from({ length: clients }, (_, i) => `m${i + 1}`);
  const sim = ctx.sim<Msg>({
    nodes: [...LOCK_SERVERS, ...ms],
    clients: graderClients,
    factory: (id) => (LOCK_SERVERS.includes(id) ? new ctx.impl.LockServer() : new ctx.impl.MajorityLockClient()),
  });
  return { sim, clients: ms };
}

/**
 * Part E: the lock server, the given register store (whose clock keeps true time: the replicas'
 * reference), the LeaseLeader replicas r1..r3, and grader clients c1..c3 (a reader per replica)
 * and c4, c5 (two writers, so that a leader has saves in flight at once).
 */
export function leaseCluster(ctx: Ctx): Sim {
  const sim = ctx.sim<Msg>({
    nodes: [LOCK_SERVER, STORAGE, ...REPLICAS],
    clients: REPLICAS.length + 2,
    factory: (id) =>
      id === LOCK_SERVER
        ? new ctx.impl.LockServer()
        : id === STORAGE
          ? new ctx.impl.RegisterStore()
          : new ctx.impl.LeaseLeader(),
  });
  sim.setClock(STORAGE, { offset: 0, drift: 0 });
  return sim;
}

export { runUntilSettled } from "@faultline/grading";
