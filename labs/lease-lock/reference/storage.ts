/**
 * Reference storage. The auditing storage (Part B) applies every write and remembers each one
 * that arrived after a write with a higher token; the fenced storage (Part C) refuses those
 * instead, and keeps its highest token durable so a restart cannot forget it.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import { STORAGE_KEY, type Msg, type Overlap, type Timer, type Write } from "../src/messages.ts";

function apply(data: Record<string, string>, w: Write): void {
  data[w.key] = w.op === "append" ? (data[w.key] ?? "") + w.value : w.value;
}

export class AuditingStorage implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private readonly data: Record<string, string> = {};
  private readonly late: Overlap[] = [];
  private highest = 0;

  start(env: Env<Msg, Timer>): void {
    this.env = env;
  }

  onMessage(from: NodeId, msg: Msg): void {
    if (msg.type !== "write") return;
    // Two writers overlapped: this one wrote after someone holding a newer lease already had.
    if (msg.token < this.highest)
      this.late.push({ token: msg.token, highest: this.highest, key: msg.key, value: msg.value });
    this.highest = Math.max(this.highest, msg.token);
    apply(this.data, msg);
    this.env.send(from, { type: "write_ok", id: msg.id, token: msg.token });
  }

  onTimer(_tag: Timer): void {}

  /** Introspection hook: every write received after a write with a higher token, in order. */
  overlaps(): Overlap[] {
    return this.late.map((o) => ({ ...o }));
  }

  /** Introspection hook: the stored values. */
  values(): Record<string, string> {
    return { ...this.data };
  }
}

interface Saved {
  highest: number;
  data: Record<string, string>;
}

export class FencedStorage implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private state: Saved = { highest: 0, data: {} };

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    const saved = env.disk.read<Saved>(STORAGE_KEY);
    if (saved !== undefined) this.state = saved;
  }

  onMessage(from: NodeId, msg: Msg): void {
    if (msg.type !== "write") return;
    // Equal is the current holder writing again; lower is a holder that was superseded.
    if (msg.token < this.state.highest) {
      this.env.send(from, { type: "write_rejected", id: msg.id, token: msg.token, highest: this.state.highest });
      return;
    }
    this.state.highest = msg.token;
    apply(this.state.data, msg);
    // The highest token is durable before the write is acknowledged: a restarted storage that
    // forgot it would let the superseded holder's delayed writes in.
    this.env.disk.write(STORAGE_KEY, this.state);
    this.env.disk.sync();
    this.env.send(from, { type: "write_ok", id: msg.id, token: msg.token });
  }

  onTimer(_tag: Timer): void {}

  /** Introspection hook: the highest token accepted so far. */
  highest(): number {
    return this.state.highest;
  }

  /** Introspection hook: the stored values. */
  values(): Record<string, string> {
    return { ...this.state.data };
  }
}
