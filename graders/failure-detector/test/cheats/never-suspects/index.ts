// Heartbeats like an honest node, never suspects anyone: perfect accuracy, no completeness.
import type { Env, NodeId } from "@faultline/sim";
import {
  HEARTBEAT_INTERVAL_MS,
  PROTOCOL_PERIOD_MS,
  type Msg,
  type NetworkConditions,
  type Timer,
  type Update,
} from "../../../../../labs/failure-detector/src/messages.ts";
export * from "../../../../../labs/failure-detector/src/messages.ts";
export { pLater } from "../../../../../labs/failure-detector/src/normal.ts";

class Silent {
  private env!: Env<Msg, Timer>;
  start(env: Env<Msg, Timer>): void {
    this.env = env;
    this.onTimer();
  }
  onMessage(): void {}
  onTimer(): void {
    for (const p of this.env.peers) this.env.send(p, { type: "heartbeat", seq: 1 });
    this.env.setTimer(HEARTBEAT_INTERVAL_MS, "heartbeat");
  }
  suspected(): NodeId[] {
    return [];
  }
  phi(): number {
    return 0;
  }
}
export class HeartbeatNode extends Silent {}
export class PhiNode extends Silent {}
export class PhiAccrualDetector {
  heartbeat(): void {}
  phi(): number {
    return 0;
  }
}
export function chooseTimeout(c: NetworkConditions): number {
  return c.heartbeatIntervalMs * 5;
}

// Part C: pings one peer per period and answers pings like an honest member, so its load is
// right; but its view is made up: every member is alive, always.
export class SwimNode {
  private env!: Env<Msg, Timer>;
  start(env: Env<Msg, Timer>): void {
    this.env = env;
    this.onTimer();
  }
  onMessage(from: NodeId, msg: Msg): void {
    if (msg.type === "ping") this.env.send(from, { type: "ack", seq: msg.seq, updates: [] });
  }
  onTimer(): void {
    const peers = this.env.peers;
    this.env.send(peers[Math.floor(this.env.random() * peers.length)] as NodeId, { type: "ping", seq: 1, updates: [] });
    this.env.setTimer(PROTOCOL_PERIOD_MS, "probe");
  }
  suspected(): NodeId[] {
    return this.view()
      .filter((u) => u.status !== "alive")
      .map((u) => u.member);
  }
  view(): Update[] {
    return [this.env.id, ...this.env.peers]
      .sort()
      .map((member) => ({ member, status: member === this.env.id ? "alive" : "alive", incarnation: 0 }));
  }
}
