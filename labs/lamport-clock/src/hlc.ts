/**
 * Part D: hybrid logical clocks.
 *
 * Kulkarni, Demirbas, Madappa, Avva and Leone, "Logical Physical Clocks", OPODIS 2014,
 * LNCS 8878, pages 17-32.
 *
 * An HLC timestamp is a pair (l, c): l is the largest physical time the node has heard of, c
 * counts events since l last changed. It stays close to physical time (l - pt is bounded by
 * the clock synchronization error) yet, like a Lamport clock, respects happened-before:
 * a -> b implies (l, c)(a) < (l, c)(b) in lexicographic order. pt is the node's physical
 * clock in whole milliseconds: Math.floor(env.now()); it may be skewed, drift, or jump back.
 *
 * Send or local event (pt = physical time now):
 *   l' := max(l, pt); c := (l' === l) ? c + 1 : 0; l := l'
 * Receive of (lm, cm):
 *   l' := max(l, lm, pt);
 *   c := l' === l && l' === lm ? max(c, cm) + 1
 *      : l' === l              ? c + 1
 *      : l' === lm             ? cm + 1
 *      :                         0;
 *   l := l'
 *
 * Rejecting the future (this lab's rule, as deployed systems do): a remote timestamp with
 * lm > pt + maxOffsetMs cannot come from a correctly synchronized clock. receive() then
 * returns null and leaves the clock unchanged; the node ignores the message.
 */
import { NotImplemented, type NodeId } from "@faultline/sim";
import { WorkloadNode } from "./workload.ts";

export interface Hlc {
  l: number;
  c: number;
}

/** Lexicographic order on (l, c): negative when a is earlier, 0 when equal, positive when later. */
export function compareHlc(a: Hlc, b: Hlc): number {
  // TODO
  throw new NotImplemented("compareHlc");
}

export class HybridClock {
  protected l: number;
  protected c: number;

  /** `maxOffsetMs`: the largest clock difference tolerated (the synchronization bound). */
  constructor(
    readonly maxOffsetMs: number,
    start: Hlc = { l: 0, c: 0 },
  ) {
    this.l = start.l;
    this.c = start.c;
  }

  /** The timestamp of the latest event (a copy). */
  get current(): Hlc {
    return { l: this.l, c: this.c };
  }

  /** A send or local event at physical time `pt` (whole ms). Returns the event's timestamp. */
  tick(pt: number): Hlc {
    // TODO: the send/local rule above.
    throw new NotImplemented("HybridClock.tick");
  }

  /**
   * A receive of `remote` at physical time `pt`. Returns the event's timestamp, or null (clock
   * unchanged) when remote.l > pt + maxOffsetMs.
   */
  receive(remote: Hlc, pt: number): Hlc | null {
    // TODO: reject the far future first; then the receive rule above.
    throw new NotImplemented("HybridClock.receive");
  }
}

/** Part D's only message: a greeting carrying the send event's HLC timestamp. */
export type HlcMsg = { type: "hello"; hlc: Hlc };

/** The synchronization bound the nodes of part D are configured with. */
export const MAX_OFFSET_MS = 400;

/**
 * A process of part D: the workload of part A (WorkloadNode in workload.ts) with a hybrid
 * clock. pt is always
 * Math.floor(this.env.now()). Hook the grader reads after every event: `clock.current`.
 * A rejected message is not an event of the application: log it (env.log) and do nothing else.
 */
export class HlcNode extends WorkloadNode<HlcMsg> {
  /** Hook: this node's hybrid clock. */
  clock!: HybridClock;

  /** Given: a fresh clock at boot and after every restart. */
  protected override boot(): void {
    this.clock = this.createClock();
  }

  protected createClock(): HybridClock {
    return new HybridClock(MAX_OFFSET_MS);
  }

  /** Physical time for the clock rules: whole milliseconds of this node's clock. */
  protected pt(): number {
    return Math.floor(this.env.now());
  }

  override onMessage(from: NodeId, msg: HlcMsg): void {
    // TODO: clock.receive(msg.hlc, pt); if rejected, env.log why and stop there.
    throw new NotImplemented("HlcNode.onMessage");
  }

  override localEvent(): void {
    // TODO
    throw new NotImplemented("HlcNode.localEvent");
  }

  override sendTo(peer: NodeId): void {
    // TODO: tick, then send { type: "hello", hlc }.
    throw new NotImplemented("HlcNode.sendTo");
  }
}
