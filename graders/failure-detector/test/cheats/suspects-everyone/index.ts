// Heartbeats like an honest node and suspects every peer all the time: every crash is
// "detected" at once, and every live peer is suspected too.
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

class Paranoid {
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
    return [...this.env.peers];
  }
  phi(): number {
    return Infinity;
  }
}
export class HeartbeatNode extends Paranoid {}
export class PhiNode extends Paranoid {}
export class PhiAccrualDetector {
  heartbeat(): void {}
  phi(): number {
    return Infinity;
  }
}
export function chooseTimeout(_c: NetworkConditions): number {
  return 1;
}

// Part C: pings one peer per period and answers pings like an honest member, so its load is
// right; but its view is made up: every other member is dead, always.
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
      .map((member) => ({ member, status: member === this.env.id ? "alive" : "dead", incarnation: 0 }));
  }
}
