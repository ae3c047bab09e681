/**
 * Reference consumer (Part D): deduplicates by event id. The processed-event marker and the
 * effect are written in one synced write before the ack, so a redelivered event (a duplicate, or
 * the relay publishing again after a crash) changes nothing.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import { SEEN_KEY, TOTAL_KEY, type OutboxMsg } from "../src/outbox-messages.ts";
import type { Timer } from "../src/messages.ts";

export class Consumer implements Node<OutboxMsg, Timer> {
  private env!: Env<OutboxMsg, Timer>;
  private sum = 0;
  private readonly seen = new Set<string>();

  start(env: Env<OutboxMsg, Timer>): void {
    this.env = env;
    this.sum = env.disk.read<number>(TOTAL_KEY) ?? 0;
    for (const key of env.disk.keys()) if (key.startsWith(SEEN_KEY)) this.seen.add(key.slice(SEEN_KEY.length));
  }

  onMessage(from: NodeId, msg: OutboxMsg): void {
    if (msg.type !== "event") return;
    if (!this.seen.has(msg.id)) {
      this.seen.add(msg.id);
      this.sum += msg.amount;
      this.env.disk.write(SEEN_KEY + msg.id, true);
      this.env.disk.write(TOTAL_KEY, this.sum);
      this.env.disk.sync();
    }
    this.env.send(from, { type: "event_ack", id: msg.id });
  }

  onTimer(_tag: Timer): void {}

  /** Read-only hook for the grader: the ids of the events applied here. */
  applied(): string[] {
    return [...this.seen];
  }

  /** Read-only hook for the grader: the sum of the amounts of the applied events. */
  total(): number {
    return this.sum;
  }
}
