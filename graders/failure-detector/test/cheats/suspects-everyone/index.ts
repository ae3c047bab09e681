// Heartbeats like an honest node and suspects every peer all the time: every crash is
// "detected" at once, and every live peer is suspected too.
import type { Env, NodeId } from "@faultline/sim";
import {
  HEARTBEAT_INTERVAL_MS,
  type Msg,
  type NetworkConditions,
  type Timer,
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
