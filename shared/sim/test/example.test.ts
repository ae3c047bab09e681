/**
 * The simulator end to end: a heartbeat leader and a ping/pong client, as a lab author would
 * write them. Read this first to learn the API.
 */
import { describe, expect, it } from "vitest";
import { Simulation, type Env, type Node, type NodeId } from "../src/index.ts";

type Msg = { type: "ping"; n: number } | { type: "pong"; n: number } | { type: "heartbeat"; from: NodeId };

/** n1 sends a heartbeat every 100 ms of its local time; everyone answers pings. */
class HeartbeatNode implements Node<Msg> {
  env!: Env<Msg>;
  heartbeatsSeen = 0;
  start(env: Env<Msg>): void {
    this.env = env;
    if (env.id === "n1") env.setTimer(100, "beat");
  }
  onMessage(from: NodeId, msg: Msg): void {
    if (msg.type === "ping") this.env.send(from, { type: "pong", n: msg.n });
    if (msg.type === "heartbeat") this.heartbeatsSeen++;
  }
  onTimer(): void {
    for (const p of this.env.peers) this.env.send(p, { type: "heartbeat", from: this.env.id });
    this.env.setTimer(100, "beat");
  }
}

describe("example: heartbeat leader and ping/pong client", () => {
  it("delivers heartbeats on a reliable network and answers client pings", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 3, clients: 1, factory: () => new HeartbeatNode() });
    const c1 = sim.client("c1");
    const replies: number[] = [];
    sim.spawn("pinger", async () => {
      for (let n = 0; n < 5; n++) {
        const r = await c1.call("n2", { type: "ping", n }, (m) => m.type === "pong" && m.n === n, 100);
        if (r && r.type === "pong") replies.push(r.n);
        await c1.sleep(10);
      }
    });
    await sim.runFor(1000);
    expect(replies).toEqual([0, 1, 2, 3, 4]);
    expect(sim.node<HeartbeatNode>("n2")?.heartbeatsSeen).toBe(9);
    expect(sim.now).toBe(1000);
  });

  it("loses heartbeats to an isolated node and resumes after reconnect", async () => {
    const sim = new Simulation<Msg>({ seed: 2, nodes: 3, factory: () => new HeartbeatNode() });
    await sim.runFor(250);
    const before = sim.node<HeartbeatNode>("n3")!.heartbeatsSeen;
    sim.isolate("n3");
    await sim.runFor(500);
    expect(sim.node<HeartbeatNode>("n3")!.heartbeatsSeen).toBe(before + 0);
    sim.reconnect("n3");
    await sim.runFor(500);
    expect(sim.node<HeartbeatNode>("n3")!.heartbeatsSeen).toBeGreaterThanOrEqual(before + 4);
  });
});
