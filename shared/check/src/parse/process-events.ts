/**
 * Turns Jepsen-style per-process records (invoke, then ok/fail/info) into a history event list.
 *
 * Jepsen semantics: a process has at most one operation in flight. `:info` means the outcome is
 * unknown and the process is gone (Jepsen continues with a new process number), so the operation
 * stays open to the end of the history. A record the caller deems "did not happen" removes the
 * operation altogether.
 */
import type { HistoryEvent } from "../history.ts";

interface Pending<I> {
  readonly id: number;
  readonly input: I;
  readonly callIndex: number;
}

export class ProcessEventBuilder<I, O> {
  private readonly events: (HistoryEvent<I, O> | null)[] = [];
  private readonly inFlight = new Map<number, Pending<I>>();
  private nextId = 0;

  invoke(process: number, input: I): void {
    // A process invoking again while one is pending crashed without saying so: the old
    // operation stays open to the end, like one ended by :info.
    const id = this.nextId++;
    this.inFlight.set(process, { id, input, callIndex: this.events.length });
    this.events.push({ kind: "call", client: process, id, value: input });
  }

  /** Closes the process's pending operation with `output`. Returns false if none is pending. */
  complete(process: number, output: O | HistoryEvent<I, O>["value"]): boolean {
    const p = this.inFlight.get(process);
    if (p === undefined) return false;
    this.inFlight.delete(process);
    this.events.push({ kind: "return", client: process, id: p.id, value: output });
    return true;
  }

  /** The pending operation certainly did not take effect: drop it. Returns false if none. */
  discard(process: number): boolean {
    const p = this.inFlight.get(process);
    if (p === undefined) return false;
    this.inFlight.delete(process);
    this.events[p.callIndex] = null;
    return true;
  }

  /** The outcome is unknown and the process is gone: leave the operation open to the end. */
  abandon(process: number): boolean {
    return this.inFlight.delete(process);
  }

  pendingInput(process: number): I | undefined {
    return this.inFlight.get(process)?.input;
  }

  finish(): HistoryEvent<I, O>[] {
    return this.events.filter((e): e is HistoryEvent<I, O> => e !== null);
  }
}
