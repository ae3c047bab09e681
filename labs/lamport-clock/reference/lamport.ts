/**
 * Part A, reference: Lamport clocks (Lamport, CACM 21(7), 1978). See src/lamport.ts for the
 * exercise text.
 */
import type { NodeId } from "@faultline/sim";
import { LamportClock as GivenClock, LAMPORT_DISK_KEY, type LamportMsg, type Stamp } from "../src/lamport.ts";
import { WorkloadNode } from "../src/workload.ts";

export { LAMPORT_DISK_KEY, type LamportMsg, type Stamp }; // given in the stub

/** The given clock (its value, constructor and `time`) with the rules IR1 and IR2 written. */
export class LamportClock extends GivenClock {
  /** IR1: one step per event. */
  override tick(): number {
    this.value += 1;
    return this.value;
  }

  /** IR1 + IR2a: sending is an event; the message carries that event's timestamp. */
  override send(): number {
    return this.tick();
  }

  /** IR2b: past both our own present value and the message's timestamp. */
  override receive(remote: number): number {
    this.value = Math.max(this.value, remote) + 1;
    return this.value;
  }
}

const ID = /^([a-z]*)(\d+)$/;

/** By node number (n2 < n10); ids without a number fall back to plain string order. */
export function compareNodeIds(a: NodeId, b: NodeId): number {
  const ma = ID.exec(a);
  const mb = ID.exec(b);
  if (ma && mb) {
    const byNumber = Number(ma[2]) - Number(mb[2]);
    if (byNumber !== 0) return byNumber;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lamport's "=>": by time, ties by node. */
export function compareStamps(a: Stamp, b: Stamp): number {
  return a.time !== b.time ? a.time - b.time : compareNodeIds(a.node, b.node);
}

export class LamportNode extends WorkloadNode<LamportMsg> {
  clock!: LamportClock;

  protected override boot(): void {
    this.clock = new LamportClock(this.env.disk.read<number>(LAMPORT_DISK_KEY) ?? 0);
  }

  override onMessage(_from: NodeId, msg: LamportMsg): void {
    this.clock.receive(msg.ts);
    this.persist();
  }

  override localEvent(): void {
    this.clock.tick();
    this.persist();
  }

  override sendTo(peer: NodeId): void {
    const ts = this.clock.send();
    // Durable before the timestamp leaves the node: a restart can never reissue it.
    this.persist();
    this.env.send(peer, { type: "hello", ts });
  }

  private persist(): void {
    this.env.disk.write(LAMPORT_DISK_KEY, this.clock.time);
    this.env.disk.sync();
  }
}
