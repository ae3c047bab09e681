/**
 * Reference lock client (Part C). It acquires the lock, writes every WRITE_INTERVAL_MS with its
 * token, renews when half its lease is left, and counts its lease from the moment it SENT the
 * request (the server's clock started later, so this errs on the safe side). A write refused by
 * the storage means a newer holder exists: the client drops the lease at once and writes no more
 * with that token.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  ACQUIRE_RETRY_MS,
  LEASE_TTL_MS,
  LOCK_SERVER,
  STORAGE,
  WRITE_INTERVAL_MS,
  type Msg,
  type Timer,
} from "../src/messages.ts";

interface Held {
  token: number;
  /** When the lease ends by this client's clock. */
  validUntil: number;
}

export class LockClient implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private held: Held | undefined;
  private nextId = 1;
  private seq = 0;
  private acquiring: { id: number; sentAt: number } | undefined;
  private renewing: { id: number; sentAt: number } | undefined;
  /** Tokens this client has learned are superseded. */
  private readonly fenced = new Set<number>();

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    env.setTimer(1 + Math.floor(env.random() * WRITE_INTERVAL_MS), "tick");
  }

  onMessage(_from: NodeId, msg: Msg): void {
    switch (msg.type) {
      case "granted":
        if (this.acquiring?.id === msg.id && !this.fenced.has(msg.token)) {
          this.held = { token: msg.token, validUntil: this.acquiring.sentAt + msg.ttlMs };
          this.acquiring = undefined;
        }
        break;
      case "busy":
        if (this.acquiring?.id === msg.id) this.acquiring = undefined;
        break;
      case "renewed":
        if (this.held?.token === msg.token && this.renewing?.id === msg.id) {
          this.held.validUntil = this.renewing.sentAt + msg.ttlMs;
          this.renewing = undefined;
        }
        break;
      case "not_holder":
        if (this.held?.token === msg.token) this.drop();
        break;
      case "write_rejected":
        this.fenced.add(msg.token);
        if (this.held?.token === msg.token) this.drop();
        break;
      default:
        break;
    }
  }

  onTimer(_tag: Timer): void {
    const now = this.env.now();
    if (this.held && now >= this.held.validUntil) this.drop();
    if (this.held) {
      this.write(this.held.token);
      if (
        this.held.validUntil - now < LEASE_TTL_MS / 2 &&
        (!this.renewing || now - this.renewing.sentAt >= ACQUIRE_RETRY_MS)
      ) {
        this.renewing = { id: this.nextId++, sentAt: now };
        this.env.send(LOCK_SERVER, { type: "renew", id: this.renewing.id, token: this.held.token });
      }
    } else if (!this.acquiring || now - this.acquiring.sentAt >= ACQUIRE_RETRY_MS) {
      this.acquiring = { id: this.nextId++, sentAt: now };
      this.env.send(LOCK_SERVER, { type: "acquire", id: this.acquiring.id, ttlMs: LEASE_TTL_MS });
    }
    this.env.setTimer(WRITE_INTERVAL_MS, "tick");
  }

  /** Introspection hook: the token of the lease this client believes it holds, or null. */
  holding(): number | null {
    return this.held?.token ?? null;
  }

  private write(token: number): void {
    this.seq++;
    const op = this.seq % 2 === 0 ? "append" : "put";
    const key = op === "append" ? "log" : "last";
    this.env.send(STORAGE, { type: "write", id: this.nextId++, token, op, key, value: `${this.env.id}#${this.seq};` });
  }

  private drop(): void {
    this.held = undefined;
    this.renewing = undefined;
  }
}
