/**
 * Part B, reference: vector clocks (Fidge 1988; Mattern 1989) and a ShiViz log. See
 * src/vector.ts for the exercise text.
 */
import type { NodeId } from "@faultline/sim";
import type { Ordering, VectorClock, VectorMsg } from "../src/vector.ts";
import { WorkloadNode } from "../src/workload.ts";

export type { Ordering, VectorClock, VectorMsg }; // given in the stub

export function vcIncrement(clock: VectorClock, node: NodeId): VectorClock {
  return { ...clock, [node]: (clock[node] ?? 0) + 1 };
}

export function vcMerge(a: VectorClock, b: VectorClock): VectorClock {
  const out: Record<NodeId, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

export function vcCompare(a: VectorClock, b: VectorClock): Ordering {
  let smaller = false;
  let larger = false;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    if (x < y) smaller = true;
    else if (x > y) larger = true;
  }
  if (smaller && larger) return "concurrent";
  if (smaller) return "before";
  if (larger) return "after";
  return "equal";
}

export function formatShiVizEntry(host: NodeId, clock: VectorClock, description: string): string {
  return `${host} ${JSON.stringify(clock)}\n${description.replace(/\s*\n\s*/g, " ")}`;
}

export class VectorNode extends WorkloadNode<VectorMsg> {
  clock: VectorClock = {};
  readonly log: string[] = [];

  override onMessage(from: NodeId, msg: VectorMsg): void {
    this.clock = vcIncrement(vcMerge(this.clock, msg.clock), this.env.id);
    this.record(`receive from ${from}`);
  }

  override localEvent(): void {
    this.clock = vcIncrement(this.clock, this.env.id);
    this.record("local event");
  }

  override sendTo(peer: NodeId): void {
    this.clock = vcIncrement(this.clock, this.env.id);
    this.record(`send to ${peer}`);
    this.env.send(peer, { type: "hello", clock: this.clock });
  }

  /** One ShiViz entry for the event that just happened. */
  private record(description: string): void {
    this.log.push(formatShiVizEntry(this.env.id, this.clock, description));
  }
}
