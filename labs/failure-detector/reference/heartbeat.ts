/**
 * Reference of Part A: every node heartbeats every peer each HEARTBEAT_INTERVAL_MS; a peer not
 * heard from for longer than the timeout is suspected, and heard again it is trusted again.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import {
  CHECK_INTERVAL_MS,
  HEARTBEAT_INTERVAL_MS,
  type Msg,
  type NetworkConditions,
  type Timer,
} from "../src/messages.ts";

export interface HeartbeatOptions {
  timeoutMs: number;
}

export class HeartbeatNode implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private readonly timeoutMs: number;
  private seq = 0;
  /** Local time of the last heartbeat from each peer (start time until the first one). */
  private readonly lastHeard = new Map<NodeId, number>();
  private readonly suspects = new Set<NodeId>();

  constructor(options: HeartbeatOptions) {
    this.timeoutMs = options.timeoutMs;
  }

  start(env: Env<Msg, Timer>): void {
    this.env = env;
    // Every peer is presumed alive at start: it gets one timeout to be heard.
    for (const peer of env.peers) this.lastHeard.set(peer, env.now());
    this.beat();
    env.setTimer(CHECK_INTERVAL_MS, "check");
  }

  onMessage(from: NodeId, msg: Msg): void {
    if (msg.type !== "heartbeat") return;
    this.lastHeard.set(from, this.env.now());
    this.suspects.delete(from);
  }

  onTimer(tag: Timer): void {
    if (tag === "heartbeat") this.beat();
    else this.check();
  }

  suspected(): NodeId[] {
    return [...this.suspects].sort();
  }

  private beat(): void {
    this.seq++;
    for (const peer of this.env.peers) this.env.send(peer, { type: "heartbeat", seq: this.seq });
    this.env.setTimer(HEARTBEAT_INTERVAL_MS, "heartbeat");
  }

  private check(): void {
    const now = this.env.now();
    for (const [peer, heard] of this.lastHeard) {
      if (now - heard > this.timeoutMs) this.suspects.add(peer);
    }
    this.env.setTimer(CHECK_INTERVAL_MS, "check");
  }
}

/**
 * The longest silence a live peer can show: its heartbeat interval, stretched by its longest
 * pause, arriving as late as a slow message can; plus one interval of margin for the worst
 * combination (a slow heartbeat just before a pause).
 */
export function chooseTimeout(c: NetworkConditions): number {
  return c.heartbeatIntervalMs + c.pauseMaxMs + c.slowDelayMaxMs + c.heartbeatIntervalMs;
}
