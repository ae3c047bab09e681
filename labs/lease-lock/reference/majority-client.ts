/**
 * Reference majority client (Part D, the Redlock algorithm). It asks every lock server at once
 * and holds the lock when a majority granted it, for what is left of the lease after the time
 * the grants took and a margin for drifting clocks, all counted from when it SENT the requests.
 * A failed or late attempt, and every grant it does not use, is released at once so the others
 * need not wait out the lease.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  CLOCK_DRIFT_BOUND,
  LEASE_TTL_MS,
  LOCK_SERVERS,
  MAJORITY_TICK_MS,
  QUORUM,
  type Msg,
  type Timer,
} from "../src/messages.ts";

interface Attempt {
  id: number;
  sentAt: number;
  grants: Map<NodeId, number>;
  busy: number;
}

export class MajorityLockClient implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private nextId = 1;
  private attempt: Attempt | undefined;
  private held: { validUntil: number; grants: Map<NodeId, number> } | undefined;
  /** No new attempt before this time: a random back-off keeps clients from colliding forever. */
  private quietUntil = -Infinity;

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    env.setTimer(1 + Math.floor(env.random() * MAJORITY_TICK_MS), "tick");
  }

  onMessage(from: NodeId, msg: Msg): void {
    if (msg.type === "granted") {
      const a = this.attempt;
      if (!a || a.id !== msg.id) {
        // A grant this client no longer wants: give it back now rather than block the server.
        if (!this.held || this.held.grants.get(from) !== msg.token)
          this.env.send(from, { type: "release", id: this.nextId++, token: msg.token });
        return;
      }
      a.grants.set(from, msg.token);
      if (a.grants.size >= QUORUM) this.decide(a);
    } else if (msg.type === "busy" && this.attempt?.id === msg.id) {
      this.attempt.busy++;
      if (this.attempt.busy > LOCK_SERVERS.length - QUORUM) this.giveUp();
    }
  }

  onTimer(_tag: Timer): void {
    const now = this.env.now();
    if (this.held && now >= this.held.validUntil) {
      this.releaseAll(this.held.grants);
      this.held = undefined;
      this.quietUntil = now + this.env.random() * 100;
    }
    if (this.attempt && now - this.attempt.sentAt >= LEASE_TTL_MS) this.giveUp();
    if (!this.held && !this.attempt && now >= this.quietUntil) {
      this.attempt = { id: this.nextId++, sentAt: now, grants: new Map(), busy: 0 };
      for (const s of LOCK_SERVERS) this.env.send(s, { type: "acquire", id: this.attempt.id, ttlMs: LEASE_TTL_MS });
    }
    this.env.setTimer(MAJORITY_TICK_MS, "tick");
  }

  /** Introspection hook: whether this client believes it holds the lock now, by its clock. */
  holding(): boolean {
    return this.held !== undefined && this.env.now() < this.held.validUntil;
  }

  /** A majority granted: hold for what is left of the lease, minus the drift margin. */
  private decide(a: Attempt): void {
    const validUntil = a.sentAt + LEASE_TTL_MS - this.margin();
    this.attempt = undefined;
    if (this.env.now() >= validUntil) {
      // The grants took too long: what is left of the lease is no hold at all.
      this.releaseAll(a.grants);
      return;
    }
    this.held = { validUntil, grants: a.grants };
  }

  /** Servers up to CLOCK_DRIFT_BOUND fast end the lease early; this clock may run as slow. */
  private margin(): number {
    return Math.ceil(LEASE_TTL_MS * 2 * CLOCK_DRIFT_BOUND) + 2;
  }

  private giveUp(): void {
    if (this.attempt) this.releaseAll(this.attempt.grants);
    this.attempt = undefined;
    this.quietUntil = this.env.now() + this.env.random() * 200;
  }

  private releaseAll(grants: Map<NodeId, number>): void {
    for (const [server, token] of grants) this.env.send(server, { type: "release", id: this.nextId++, token });
  }
}
