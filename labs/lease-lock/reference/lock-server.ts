/**
 * Reference lock server (Part A). One lease at a time, measured on the server's own clock; a
 * token per grant, one higher than any token ever granted, made durable before the grant is
 * answered; after a restart, no grant until any lease of the previous life has surely expired.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  MAX_TTL_MS,
  TOKEN_KEY,
  type Acquire,
  type LeaseView,
  type Msg,
  type Release,
  type Renew,
  type Timer,
} from "../src/messages.ts";

export class LockServer implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private lastToken = 0;
  private current: LeaseView | undefined;
  /** The acquire request the current lease answered, to re-answer its duplicates. */
  private grantedFor: { from: NodeId; id: number; ttlMs: number } | undefined;
  /** No grant before this time (server clock): leases of a previous life may still run. */
  private graceUntil = -Infinity;

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    const saved = env.disk.read<number>(TOKEN_KEY);
    if (saved !== undefined) {
      this.lastToken = saved;
      this.graceUntil = env.now() + MAX_TTL_MS;
    }
  }

  onMessage(from: NodeId, msg: Msg): void {
    switch (msg.type) {
      case "acquire":
        this.acquire(from, msg);
        break;
      case "renew":
        this.renew(from, msg);
        break;
      case "release":
        this.release(from, msg);
        break;
      default:
        break;
    }
  }

  onTimer(_tag: Timer): void {}

  /** Introspection hook: the lease this server considers current, or null. */
  lease(): LeaseView | null {
    return this.live() ?? null;
  }

  /** The current lease if it has not expired by this server's clock. */
  private live(): LeaseView | undefined {
    const l = this.current;
    return l !== undefined && this.env.now() < l.expiresAt ? l : undefined;
  }

  private acquire(from: NodeId, msg: Acquire): void {
    const held = this.live();
    if (held) {
      const g = this.grantedFor;
      // A duplicate of the request this lease answered gets the same answer, not a new lease.
      if (held.holder === from && g?.from === from && g.id === msg.id)
        this.env.send(from, { type: "granted", id: msg.id, token: held.token, ttlMs: g.ttlMs });
      else this.env.send(from, { type: "busy", id: msg.id });
      return;
    }
    const now = this.env.now();
    if (now < this.graceUntil) {
      this.env.send(from, { type: "busy", id: msg.id });
      return;
    }
    const ttlMs = Math.max(1, Math.min(msg.ttlMs, MAX_TTL_MS));
    const token = this.lastToken + 1;
    // Durable before granted: a token must never be handed out twice, not even across a crash.
    this.env.disk.write(TOKEN_KEY, token);
    this.env.disk.sync();
    this.lastToken = token;
    this.current = { holder: from, token, expiresAt: now + ttlMs };
    this.grantedFor = { from, id: msg.id, ttlMs };
    this.env.send(from, { type: "granted", id: msg.id, token, ttlMs });
  }

  private renew(from: NodeId, msg: Renew): void {
    const held = this.live();
    if (!held || held.holder !== from || held.token !== msg.token) {
      this.env.send(from, { type: "not_holder", id: msg.id, token: msg.token });
      return;
    }
    const ttlMs = this.grantedFor?.ttlMs ?? MAX_TTL_MS;
    held.expiresAt = this.env.now() + ttlMs;
    this.env.send(from, { type: "renewed", id: msg.id, token: msg.token, ttlMs });
  }

  private release(from: NodeId, msg: Release): void {
    const held = this.live();
    if (!held || held.holder !== from || held.token !== msg.token) {
      this.env.send(from, { type: "not_holder", id: msg.id, token: msg.token });
      return;
    }
    this.current = undefined;
    this.grantedFor = undefined;
    this.env.send(from, { type: "released", id: msg.id, token: msg.token });
  }
}
