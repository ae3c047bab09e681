/**
 * The node of the golden transcripts: small, but it uses every part of `env` (timers, sends,
 * its random stream, the disk with and without sync, logs), so a change anywhere in the
 * simulator shows in some transcript.
 */
import type { Env, Node, NodeId } from "../../src/index.ts";

export type ChatterMsg =
  | { type: "ping"; n: number }
  | { type: "pong"; n: number }
  | { type: "get" }
  | { type: "value"; count: number };

export class Chatter implements Node<ChatterMsg> {
  private env!: Env<ChatterMsg>;
  private count = 0;

  start(env: Env<ChatterMsg>): void {
    this.env = env;
    this.count = env.disk.read<number>("count") ?? 0;
    env.log(`booted with count ${this.count}`);
    // A random first tick: the node's own random stream shows in the trace.
    env.setTimer(10 + Math.floor(env.random() * 10), "tick");
  }

  onMessage(from: NodeId, msg: ChatterMsg): void {
    if (msg.type === "ping") this.env.send(from, { type: "pong", n: msg.n });
    else if (msg.type === "get") this.env.send(from, { type: "value", count: this.count });
  }

  onTimer(): void {
    this.count++;
    this.env.disk.write("count", this.count);
    if (this.count % 2 === 0) this.env.disk.sync();
    const peers = this.env.peers;
    this.env.send(peers[this.count % peers.length] as NodeId, { type: "ping", n: this.count });
    this.env.setTimer(20, "tick");
  }
}
