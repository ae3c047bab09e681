/**
 * What the grader sees of a run: the messages on the wire, read from the simulator's events, and
 * the rules they must obey, checked after every step. The grader trusts no node's account of
 * itself: a lease is what the lock server's `granted`, `renewed` and `released` messages say,
 * timed on the server's clock at the moment it sent them; a write landed when the storage
 * answered `write_ok`.
 */
import { eventMessage, fmt, type NodeId, type TraceEvent } from "@faultline/sim";
import { LOCK_SERVER, STORAGE, type Msg } from "@faultline/lab-lease-lock";
import type { Sim } from "./props.ts";

/** The message of a send or deliver event. */
export function messageOf(e: TraceEvent): Msg | undefined {
  return eventMessage<Msg>(e);
}

/** A lease as the lock server's answers defined it. */
export interface SeenLease {
  holder: NodeId;
  token: number;
  /** Its end on the server's clock. */
  expiresAt: number;
  grantedAt: number;
  /** True time of the grant. */
  grantedAtTrue: number;
}

/**
 * The lock server's promises, checked as it makes them: a grant only when no other lease is
 * running by the server's own clock; a new grant's token above every token granted before (a
 * crash included); a renewal only of a running lease of its holder; a release only for its
 * holder.
 */
export class LeaseWatch {
  readonly leases = new Map<number, SeenLease>();
  readonly grants: SeenLease[] = [];
  private violation: string | undefined;

  constructor(private readonly sim: Sim) {
    sim.onEvent((e) => {
      if (e.kind !== "send" || e.node !== LOCK_SERVER || e.peer === undefined || this.violation) return;
      const m = messageOf(e);
      if (m?.type === "granted") this.granted(e.peer, m.token, m.ttlMs, e.t);
      else if (m?.type === "renewed") this.renewed(e.peer, m.token, m.ttlMs);
      else if (m?.type === "released") this.released(e.peer, m.token);
    });
    sim.addInvariant("one lease at a time, tokens only grow", () => this.violation);
    sim.onEvent((e) => {
      if (e.node !== LOCK_SERVER) return;
      // A restarted server has forgotten the leases it granted before: its hook may not name them.
      if (e.kind === "start") this.since = this.grants.length;
      if (e.kind === "start" || e.kind === "deliver" || e.kind === "timer") this.ran = true;
    });
    sim.addInvariant("the lock server's lease() matches its answers", () => {
      const ran = this.ran;
      this.ran = false;
      return ran ? this.hookDisagrees() : undefined;
    });
  }

  /** Grants before this index were made in an earlier life of the server. */
  private since = 0;
  /**
   * The server handled an event in this step. Only then is its hook read: a graded node's clock
   * reads the time of its last event, so between its events the hook would judge an old moment.
   */
  private ran = false;

  /** The server's `lease()` hook against the lease its answers define, now. */
  private hookDisagrees(): string | undefined {
    if (!this.sim.isUp(LOCK_SERVER)) return undefined;
    const view = this.sim.node<{ lease(): { holder: NodeId; token: number } | null }>(LOCK_SERVER)?.lease();
    const running = this.current();
    const now = fmt(this.sim.localTime(LOCK_SERVER));
    if (view != null) {
      if (running?.holder === view.holder && running.token === view.token) return undefined;
      return `lease() says ${view.holder} holds token ${view.token} at ${now} ms on the server's clock, but by the server's own answers ${running ? `${running.holder} holds token ${running.token}` : "no lease is running"}`;
    }
    if (running && this.grants.indexOf(running) >= this.since)
      return `lease() says no lease is running at ${now} ms on the server's clock, but the server granted ${running.holder} token ${running.token} until ${fmt(running.expiresAt)} ms`;
    return undefined;
  }

  /** The lease running now by the server's clock, if any. */
  current(): SeenLease | undefined {
    const now = this.sim.localTime(LOCK_SERVER);
    for (const l of this.leases.values()) if (l.expiresAt > now) return l;
    return undefined;
  }

  private granted(to: NodeId, token: number, ttlMs: number, t: number): void {
    const now = this.sim.localTime(LOCK_SERVER);
    const again = this.leases.get(token);
    if (again) {
      // The answer to a duplicated acquire: the same lease, not a new one.
      if (again.holder !== to)
        this.violation = `token ${token} was granted to ${again.holder} and then to ${to}: a token names exactly one lease`;
      return;
    }
    const highest = this.grants.reduce((a, g) => Math.max(a, g.token), 0);
    if (!(token > highest)) {
      this.violation = `granted ${to} token ${token}, but token ${highest} was already granted (to ${this.grants.find((g) => g.token === highest)?.holder}): every grant needs a token above every token before it, across restarts too (persist it with sync before answering)`;
      return;
    }
    for (const l of this.leases.values()) {
      if (l.expiresAt > now) {
        this.violation = `granted ${to} token ${token} at ${fmt(now)} ms on the server's clock, while ${l.holder}'s lease (token ${l.token}) runs until ${fmt(l.expiresAt)} ms: two holders at once`;
        return;
      }
    }
    const lease = { holder: to, token, expiresAt: now + ttlMs, grantedAt: now, grantedAtTrue: t };
    this.leases.set(token, lease);
    this.grants.push(lease);
  }

  private renewed(to: NodeId, token: number, ttlMs: number): void {
    const now = this.sim.localTime(LOCK_SERVER);
    const l = this.leases.get(token);
    if (!l || l.holder !== to) {
      this.violation = `renewed token ${token} for ${to}, which was never granted it`;
      return;
    }
    if (l.expiresAt <= now) {
      this.violation = `renewed ${to}'s lease (token ${token}) at ${fmt(now)} ms on the server's clock, but it had expired at ${fmt(l.expiresAt)} ms: an expired lease is gone (its holder may already believe so, and another may hold the lock); answer not_holder`;
      return;
    }
    l.expiresAt = now + ttlMs;
  }

  private released(to: NodeId, token: number): void {
    const l = this.leases.get(token);
    if (!l || l.holder !== to) {
      this.violation = `released token ${token} at the request of ${to}, but ${l ? `${l.holder} holds it` : "no such lease was granted"}: only the holder may release its lease; answer not_holder`;
      return;
    }
    l.expiresAt = Math.min(l.expiresAt, this.sim.localTime(LOCK_SERVER));
  }
}

/** A write the storage received, in arrival order. */
export interface Arrival {
  from: NodeId;
  token: number;
  op: "put" | "append";
  key: string;
  value: string;
  t: number;
}

/** Every write delivered to the storage, in order (duplicates included: each is a write). */
export function watchArrivals(sim: Sim): Arrival[] {
  const arrivals: Arrival[] = [];
  sim.onEvent((e) => {
    if (e.kind !== "deliver" || e.node !== STORAGE || e.peer === undefined) return;
    const m = messageOf(e);
    if (m?.type === "write")
      arrivals.push({ from: e.peer, token: m.token, op: m.op, key: m.key, value: m.value, t: e.t });
  });
  return arrivals;
}

/** A write the storage accepted (answered write_ok), with what it wrote. */
export interface Accepted {
  to: NodeId;
  token: number;
  t: number;
  op: "put" | "append";
  key: string;
  value: string;
}

/**
 * Part C's safety, as the storage's answers show it: writes land in token order (no write of a
 * superseded holder after a newer holder's write), and a client told it is fenced never writes
 * with that token again.
 */
export class FenceWatch {
  /** Accepted writes, in order. */
  readonly accepted: Accepted[] = [];
  /** The last write delivered to the storage per sender and request id: what a write_ok accepts. */
  private readonly delivered = new Map<string, { op: "put" | "append"; key: string; value: string }>();
  readonly rejected: Array<{ to: NodeId; token: number }> = [];
  private highest = 0;
  private highestBy: NodeId = "";
  private readonly toldFenced = new Set<string>();
  private violation: string | undefined;
  private kept: string | undefined;

  constructor(sim: Sim) {
    sim.onEvent((e) => {
      if (e.kind === "send" && e.node === STORAGE && e.peer !== undefined) {
        const m = messageOf(e);
        if (m?.type === "write_ok") {
          if (m.token < this.highest) {
            if (this.violation) return;
            this.violation = `the storage accepted a write of ${e.peer} with token ${m.token} after it had accepted token ${this.highest} (from ${this.highestBy}): a superseded holder's write landed. Refuse every write whose token is lower than the highest you have accepted`;
            return;
          }
          this.highest = m.token;
          this.highestBy = e.peer;
          const w = this.delivered.get(`${e.peer}:${m.id}`);
          // A write_ok for a write never delivered accepts nothing: it cannot be replayed.
          if (w) this.accepted.push({ to: e.peer, token: m.token, t: e.t, ...w });
        } else if (m?.type === "write_rejected") this.rejected.push({ to: e.peer, token: m.token });
      } else if (e.kind === "deliver" && e.node === STORAGE && e.peer !== undefined) {
        const m = messageOf(e);
        if (m?.type === "write") this.delivered.set(`${e.peer}:${m.id}`, { op: m.op, key: m.key, value: m.value });
      } else if (e.kind === "deliver" && e.peer === STORAGE) {
        const m = messageOf(e);
        if (m?.type === "write_rejected") this.toldFenced.add(`${e.node}:${m.token}`);
      } else if (e.kind === "send" && e.peer === STORAGE) {
        const m = messageOf(e);
        if (m?.type === "write" && this.toldFenced.has(`${e.node}:${m.token}`) && !this.kept) {
          this.kept = `${e.node} was told by the storage that token ${m.token} is fenced (write_rejected), and then wrote with it again: a fenced holder must drop its lease at once`;
        }
      }
    });
    sim.addInvariant("no superseded holder's write lands", () => this.violation);
    sim.addInvariant("a fenced holder stops writing", () => this.kept);
  }
}
