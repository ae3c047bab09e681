/**
 * Part D: the replicated service. Every node applies the same committed commands in the same
 * order to its own copy of this state machine (section 1: "replicated state machines"), so all
 * copies go through the same states.
 */
import { NotImplemented } from "@faultline/sim";
import type { Command, OpResult, ServiceSnapshot } from "./types.ts";

/**
 * A key-value store of strings plus one counter, with client sessions (section 8): a client
 * may send the same request (clientId, seq) many times, and it may even be committed more than
 * once (a retry reaching a new leader), but it must take effect once, and every retry must get
 * the result of that single application.
 */
export class KvCounterStateMachine {
  protected counterValue = 0;
  protected readonly data = new Map<string, string>();
  /** clientId -> the highest seq applied for it and what it returned. */
  protected readonly sessions = new Map<string, { seq: number; result: ReturnType<KvCounterStateMachine["apply"]> }>();

  /** The counter's current value. The grader reads it to check what your service applied. */
  get counter(): number {
    return this.counterValue;
  }

  /** A key's current value, "" if it was never written. The grader reads it too. */
  get(key: string): string {
    return this.data.get(key) ?? "";
  }

  /**
   * The result of request (clientId, seq) if it was already applied, else undefined. The
   * leader can use it to answer a retry without appending it again.
   */
  resultOf(clientId: string, seq: number): OpResult | undefined {
    // TODO: look up the client's session; return its result if its seq equals `seq`.
    throw new NotImplemented("KvCounterStateMachine.resultOf");
  }

  /**
   * Apply one committed command and return its result (see OpResult in types.ts):
   * get -> the value ("" if absent), put/append -> null, incr -> the new counter value,
   * read -> the counter value.
   *
   * Exactly once: if this client's session already has a seq >= cmd.seq, do NOT run the
   * operation again; return the stored result instead. Otherwise run it and record
   * { seq, result } as the client's session.
   */
  apply(cmd: Command): OpResult {
    // TODO: deduplicate by (clientId, seq), then execute cmd.op on counterValue / data.
    throw new NotImplemented("KvCounterStateMachine.apply");
  }

  // ------------------------------------------------------------------ part F: snapshots (section 7)

  /**
   * Part F: the whole state as plain data (it goes to disk and into InstallSnapshot messages):
   * the counter, every key, AND the client sessions. Section 7 snapshots "the current state";
   * the sessions are part of it, or a request applied before the snapshot runs again when a
   * retry reaches a node that restored it.
   */
  snapshot(): ServiceSnapshot {
    // TODO: return { counter, data: [...entries], sessions: [...entries] } (copies, not the live maps).
    throw new NotImplemented("KvCounterStateMachine.snapshot");
  }

  /** Part F: replace the whole state with a snapshot's (after a restart or an InstallSnapshot). */
  restore(snapshot: ServiceSnapshot): void {
    // TODO: clear data and sessions, then load counter, data and sessions from the snapshot.
    throw new NotImplemented("KvCounterStateMachine.restore");
  }
}
