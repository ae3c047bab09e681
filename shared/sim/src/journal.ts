/**
 * What a run has recorded and why it must stop: every trace event goes through here (numbered,
 * hashed, stored per the trace mode, shown to event hooks), and the first error raised where it
 * cannot be thrown (inside a handler, a hook, a workload) waits here until the step ends.
 */
import { materialize, type Trace, type TraceEvent } from "./trace.ts";
import type { NodeId } from "./types.ts";

export type NoteKind = "net" | "clock" | "pause" | "resume" | "log";

export class Journal {
  private readonly hooks: Array<(e: TraceEvent) => void> = [];
  private pending: Error | undefined;

  constructor(
    readonly trace: Trace,
    private readonly clock: { readonly now: number },
  ) {}

  record(e: TraceEvent, payloadHash?: number): void {
    e.i = this.trace.count;
    if (this.hooks.length > 0) materialize(e);
    this.trace.record(e, payloadHash);
    for (const h of this.hooks) {
      // A hook is grader code: its failure must not be blamed on the node whose event it saw.
      try {
        h(e);
      } catch (err) {
        this.fail(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  /** A note at the current time (shown in views; not part of any node's causality). */
  note(kind: NoteKind, node: NodeId, text: string): void {
    this.record({ i: 0, t: this.clock.now, kind, node, text });
  }

  onEvent(hook: (e: TraceEvent) => void): void {
    this.hooks.push(hook);
  }

  /** Stop the run at the end of this step with `err`, unless an earlier error already will. */
  fail(err: Error): void {
    if (!this.pending) this.pending = err;
  }

  get failing(): boolean {
    return this.pending !== undefined;
  }

  throwPending(): void {
    const p = this.pending;
    if (p) {
      this.pending = undefined;
      throw p;
    }
  }
}
