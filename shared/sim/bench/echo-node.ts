/**
 * The cheapest possible node: it answers every message at once. Also bundled as a lab
 * implementation by the isolation benchmark of @faultline/grading.
 */
import type { Env, Node, NodeId } from "../src/types.ts";

export type Ping = { type: "p"; n: number };

export class Echo implements Node<Ping> {
  private env!: Env<Ping>;
  start(env: Env<Ping>): void {
    this.env = env;
    if (env.id === "n1") for (let i = 0; i < 64; i++) env.send("n2", { type: "p", n: i });
  }
  onMessage(from: NodeId, msg: Ping): void {
    this.env.send(from, msg);
  }
  onTimer(): void {}
}
