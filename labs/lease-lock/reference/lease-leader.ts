/**
 * Reference replica with a leader lease for reads (Part E). The replica that holds the lock of the
 * Part A lock server is the leader: it loads the register from the store with its token, writes
 * through the store with its token (the store fences older leaders), and answers reads from its
 * own copy while its lease lasts: counted from when it SENT the acquire or renew, minus a margin
 * for clocks drifting up to CLOCK_DRIFT_BOUND, and only while its own clock's rate, measured
 * against the store's reference clock, is within that bound.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  CLOCK_DRIFT_BOUND,
  DRIFT_WINDOW_MS,
  LEASE_TTL_MS,
  LOCK_SERVER,
  REPLICA_TICK_MS,
  STORAGE,
  type Msg,
  type Timer,
} from "../src/messages.ts";

interface Sample {
  /** Local time half-way between sending the question and reading the answer. */
  local: number;
  /** The reference clock's answer. */
  ref: number;
}

export class LeaseLeader implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private nextId = 1;
  /** Acquires and renews in flight: request id -> local time it was sent. */
  private readonly asked = new Map<number, number>();
  /** The lease this replica holds: its token and its end (local clock, counted from sending). */
  private lease: { token: number; ttlMs: number; until: number } | undefined;
  private renewSentAt = -Infinity;
  /** The token whose load from the store has come back: only then is the copy current. */
  private loadedFor: number | undefined;
  private value = "";
  private version = 0;
  /** Writes waiting for the store: save id -> the client's request. */
  private readonly pending = new Map<number, { from: NodeId; id: number; value: string }>();
  /** Reference-clock samples, oldest first, and the question in flight. */
  private samples: Sample[] = [];
  private probe: { id: number; sentAt: number } | undefined;

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    env.setTimer(1 + Math.floor(env.random() * REPLICA_TICK_MS), "tick");
  }

  onTimer(_tag: Timer): void {
    const now = this.env.now();
    this.probe = { id: this.nextId++, sentAt: now };
    this.env.send(STORAGE, { type: "what_time", id: this.probe.id });
    if (this.lease && now >= this.lease.until) this.stepDown();
    if (!this.lease) {
      const id = this.nextId++;
      this.asked.set(id, now);
      this.env.send(LOCK_SERVER, { type: "acquire", id, ttlMs: LEASE_TTL_MS });
    } else if (this.lease.until - now < this.lease.ttlMs / 2 && now - this.renewSentAt >= this.lease.ttlMs / 4) {
      const id = this.nextId++;
      this.asked.set(id, now);
      this.renewSentAt = now;
      this.env.send(LOCK_SERVER, { type: "renew", id, token: this.lease.token });
    }
    for (const [id, at] of this.asked) if (now - at > 4 * LEASE_TTL_MS) this.asked.delete(id);
    this.env.setTimer(REPLICA_TICK_MS, "tick");
  }

  onMessage(from: NodeId, msg: Msg): void {
    switch (msg.type) {
      case "granted": {
        const sentAt = this.asked.get(msg.id);
        if (sentAt === undefined || this.lease?.token === msg.token) return;
        this.asked.delete(msg.id);
        this.lease = { token: msg.token, ttlMs: msg.ttlMs, until: sentAt + msg.ttlMs };
        this.loadedFor = undefined;
        this.renewSentAt = -Infinity;
        // A new term of leadership: whatever the copy holds may be old. Load it again.
        this.env.send(STORAGE, { type: "load", id: this.nextId++, token: msg.token });
        break;
      }
      case "renewed": {
        const sentAt = this.asked.get(msg.id);
        if (sentAt !== undefined && this.lease?.token === msg.token)
          this.lease.until = Math.max(this.lease.until, sentAt + msg.ttlMs);
        this.asked.delete(msg.id);
        break;
      }
      case "not_holder":
        if (this.lease?.token === msg.token) this.stepDown();
        break;
      case "loaded":
        if (this.lease?.token === msg.token) {
          if (msg.version >= this.version) {
            this.value = msg.value;
            this.version = msg.version;
          }
          this.loadedFor = msg.token;
        }
        break;
      case "saved": {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.version > this.version) {
          this.value = p.value;
          this.version = msg.version;
        }
        this.env.send(p.from, { type: "put_ok", id: p.id });
        break;
      }
      case "fenced": {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (p) this.env.send(p.from, { type: "not_leader", id: p.id });
        // A newer leader has reached the store: this replica's lease is over, whatever its clock says.
        if (this.lease?.token === msg.token) this.stepDown();
        break;
      }
      case "time_is":
        if (this.probe?.id === msg.id) this.sample(msg.at);
        break;
      case "get":
        if (this.servingReads()) this.env.send(from, { type: "value", id: msg.id, value: this.value });
        else this.env.send(from, { type: "not_leader", id: msg.id });
        break;
      case "put":
        if (this.lease && this.loadedFor === this.lease.token && this.env.now() < this.lease.until) {
          const id = this.nextId++;
          this.pending.set(id, { from, id: msg.id, value: msg.value });
          this.env.send(STORAGE, { type: "save", id, token: this.lease.token, value: msg.value });
        } else this.env.send(from, { type: "not_leader", id: msg.id });
        break;
      default:
        break;
    }
  }

  /** Introspection hook: whether a `get` arriving now would be answered from the local copy. */
  servingReads(): boolean {
    const l = this.lease;
    if (!l || this.loadedFor !== l.token) return false;
    return this.env.now() < l.until - this.margin(l.ttlMs) && this.clockWithinBound();
  }

  /** The lock server's clock may run CLOCK_DRIFT_BOUND fast, this one as slow. */
  private margin(ttlMs: number): number {
    return Math.ceil(2 * CLOCK_DRIFT_BOUND * ttlMs) + 2;
  }

  private stepDown(): void {
    this.lease = undefined;
    this.loadedFor = undefined;
  }

  private sample(ref: number): void {
    const now = this.env.now();
    const p = this.probe as { sentAt: number };
    this.probe = undefined;
    this.samples.push({ local: (p.sentAt + now) / 2, ref });
    while (this.samples.length > 2 && (this.samples[1] as Sample).ref <= ref - DRIFT_WINDOW_MS) this.samples.shift();
  }

  /**
   * This clock's rate against the reference over the last DRIFT_WINDOW_MS or more: within the
   * bound, or unknown (too few samples) and then not trusted.
   */
  private clockWithinBound(): boolean {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.ref - first.ref < DRIFT_WINDOW_MS) return false;
    const rate = (last.local - first.local) / (last.ref - first.ref);
    // The newest sample must be recent too: a clock that stopped being checked is not trusted.
    return Math.abs(rate - 1) <= CLOCK_DRIFT_BOUND && this.env.now() - last.local < DRIFT_WINDOW_MS / 4;
  }
}
