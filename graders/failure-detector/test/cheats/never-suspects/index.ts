// Heartbeats like an honest node, never suspects anyone: perfect accuracy, no completeness.
import type { Env, NodeId } from "@faultline/sim";
import {
  HEARTBEAT_INTERVAL_MS,
  type Msg,
  type NetworkConditions,
  type Timer,
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
