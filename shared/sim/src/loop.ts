/**
 * The event loop's state: virtual time and the queue of scheduled events (message deliveries,
 * timers, grader actions), ordered by (time, sequence number). Virtual time only moves forward,
 * to the next event; the queue is bounded.
 */
import { EventHeap } from "./heap.ts";
import { assert, SimulatorBug } from "./assert.ts";
import { QueueLimitExceeded } from "./limits.ts";
import type { NodeId, TimerHandle } from "./types.ts";

export interface DeliverEvent {
  t: number;
  seq: number;
  type: "deliver";
  from: NodeId;
  to: NodeId;
  /** Index of `to` among the endpoints (nodes first, then clients). */
  toIndex: number;
  /** The frozen canonical copy made at send; each delivery thaws its own copy. */
  frozen: unknown;
  /** The message as JSON text instead, when a node run elsewhere sent it as text (sendText). */
  text?: string;
  /** Content hash of the message, computed once at send. */
  payloadHash: number;
  msgId: number;
  /** The sender's ground-truth vector clock at the send. */
  vc: number[];
  msgType: string;
}

export interface TimerEvent {
  t: number;
  seq: number;
  type: "timer";
  node: NodeId;
  /** Index of the node among the endpoints. */
  index: number;
  incarnation: number;
  handle: TimerHandle;
  tag: unknown;
}

export interface ActionEvent {
  t: number;
  seq: number;
  type: "action";
  label: string;
  fn: () => void;
}

export type SimEvent = DeliverEvent | TimerEvent | ActionEvent;

const precedes = (a: SimEvent, b: SimEvent) => a.t < b.t || (a.t === b.t && a.seq < b.seq);

export class EventLoop {
  private readonly queue = new EventHeap<SimEvent>();
  private seq = 0;
  private time = 0;

  constructor(
    private readonly maxPending: number,
    /** Where a full queue is reported (the run stops after the current step). */
    private readonly overflow: (err: QueueLimitExceeded) => void,
  ) {}

  /** Current virtual time in ms. */
  get now(): number {
    return this.time;
  }

  /** Events scheduled and not yet run. */
  get pending(): number {
    return this.queue.size;
  }

  /** The tie-break of the next event scheduled: same-time events run in scheduling order. */
  nextSeq(): number {
    return this.seq++;
  }

  /** Schedule an event (its `seq` from nextSeq). A full queue refuses it and reports the limit. */
  push(e: SimEvent): void {
    if (e.t < this.time) throw new SimulatorBug(`event scheduled in the past: t=${e.t} < now=${this.time}`);
    if (this.queue.size >= this.maxPending) {
      this.overflow(new QueueLimitExceeded("pendingEvents", this.maxPending, "the event queue", this.time));
      return;
    }
    this.queue.push(e);
  }

  /**
   * Remove and return the next event if it is due by `deadline`, moving virtual time to it;
   * otherwise undefined (time stays where it is).
   */
  next(deadline: number): SimEvent | undefined {
    const e = this.queue.peek();
    if (e === undefined || e.t > deadline) return undefined;
    this.queue.pop();
    if (e.t < this.time) throw new SimulatorBug(`virtual time would go back from ${this.time} to ${e.t}`);
    const after = this.queue.peek();
    if (after !== undefined && precedes(after, e))
      throw new SimulatorBug(
        `event queue out of order: (t=${after.t}, #${after.seq}) was behind (t=${e.t}, #${e.seq})`,
      );
    this.time = e.t;
    return e;
  }

  /** Move virtual time forward to `t` (the end of a run with nothing due before it). */
  advanceTo(t: number): void {
    assert(t >= this.time, "virtual time moves only forward");
    const e = this.queue.peek();
    assert(e === undefined || e.t > t, "no event is skipped when time advances");
    this.time = t;
  }
}
