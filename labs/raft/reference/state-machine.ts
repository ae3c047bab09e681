/**
 * The replicated service: a key-value store plus a counter, with per-client sessions so that a
 * retried request is applied once (section 8).
 */
import type { Command, OpResult, ServiceSnapshot } from "../src/types.ts";

interface Session {
  /** Highest seq applied for this client. */
  seq: number;
  /** What applying that seq returned, replayed to retries. */
  result: OpResult;
}

export class KvCounterStateMachine {
  private counterValue = 0;
  private readonly data = new Map<string, string>();
  private readonly sessions = new Map<string, Session>();

  /** The counter's current value (read by the grader). */
  get counter(): number {
    return this.counterValue;
  }

  /** A key's current value, "" if never written (read by the grader). */
  get(key: string): string {
    return this.data.get(key) ?? "";
  }

  /**
   * The result of (clientId, seq) if it was already applied, else undefined. A leader uses it
   * to answer a retry at once instead of appending the request again.
   */
  resultOf(clientId: string, seq: number): OpResult | undefined {
    const s = this.sessions.get(clientId);
    return s !== undefined && s.seq === seq ? s.result : undefined;
  }

  /** Apply a committed command; a (clientId, seq) seen before only returns its first result. */
  apply(cmd: Command): OpResult {
    const s = this.sessions.get(cmd.clientId);
    if (s !== undefined && cmd.seq <= s.seq) return s.result;
    const result = this.execute(cmd);
    this.sessions.set(cmd.clientId, { seq: cmd.seq, result });
    return result;
  }

  /** Section 7: the whole state, sessions included, as plain data for disk and messages. */
  snapshot(): ServiceSnapshot {
    return {
      counter: this.counterValue,
      data: [...this.data],
      sessions: [...this.sessions].map(([client, s]) => [client, { seq: s.seq, result: s.result }] as const),
    };
  }

  /** Replace the whole state with a snapshot's. */
  restore(snapshot: ServiceSnapshot): void {
    this.counterValue = snapshot.counter;
    this.data.clear();
    for (const [k, v] of snapshot.data) this.data.set(k, v);
    this.sessions.clear();
    for (const [client, s] of snapshot.sessions) this.sessions.set(client, { seq: s.seq, result: s.result });
  }

  /** Run the operation itself, with no deduplication. */
  private execute(cmd: Command): OpResult {
    const o = cmd.op;
    switch (o.op) {
      case "get":
        return this.get(o.key);
      case "put":
        this.data.set(o.key, o.value);
        return null;
      case "append":
        this.data.set(o.key, this.get(o.key) + o.value);
        return null;
      case "incr":
        return ++this.counterValue;
      case "read":
        return this.counterValue;
    }
  }
}
