/** Everything a run keeps that can grow has a bound; crossing it stops the run naming the bound. */
import { describe, expect, it } from "vitest";
import { QueueLimitExceeded, Simulation, SimulatorBug, type Env, type Node, type NodeId } from "../src/index.ts";
import { EventLoop } from "../src/loop.ts";
import { Blaster, Recorder, type Msg } from "./helpers.ts";

async function failure(sim: Simulation<Msg>, ms: number): Promise<unknown> {
  try {
    await sim.runFor(ms);
    return undefined;
  } catch (err) {
    return err;
  }
}

describe("queue limits", () => {
  it("the event queue: a burst of sends past pendingEvents stops the run after the handler", async () => {
    const sim = new Simulation<Msg>({
      seed: 1,
      nodes: 2,
      factory: () => new Blaster(500),
      queueLimits: { pendingEvents: 100 },
    });
    const err = await failure(sim, 10);
    expect(err).toBeInstanceOf(QueueLimitExceeded);
    expect((err as QueueLimitExceeded).limit).toBe("pendingEvents");
    expect((err as Error).message).toMatch(
      /the event queue reached its limit of 100 \(queueLimits\.pendingEvents\) at t=0 ms/,
    );
  });

  it("a clogged link holds at most heldPerLink messages", async () => {
    const sim = new Simulation<Msg>({
      seed: 1,
      nodes: 2,
      factory: () => new Blaster(50),
      queueLimits: { heldPerLink: 20 },
    });
    sim.clog("n1", "n2");
    const err = await failure(sim, 100);
    expect(err).toBeInstanceOf(QueueLimitExceeded);
    expect((err as Error).message).toMatch(/clogged link n1->n2 reached its limit of 20 \(queueLimits\.heldPerLink\)/);
  });

  it("a paused node queues at most queuedPerPausedNode messages and timers", async () => {
    const sim = new Simulation<Msg>({
      seed: 1,
      nodes: 2,
      factory: () => new Blaster(50),
      queueLimits: { queuedPerPausedNode: 10 },
    });
    sim.pause("n2");
    const err = (await failure(sim, 100)) as QueueLimitExceeded;
    expect(err).toBeInstanceOf(QueueLimitExceeded);
    expect(err.node).toBe("n2");
    expect(err.message).toMatch(/the queue of paused n2 reached its limit of 10 \(queueLimits\.queuedPerPausedNode\)/);
  });

  it("under the bounds nothing changes: the same burst runs to the end", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, factory: () => new Blaster(50) });
    sim.pause("n2");
    await sim.runFor(100);
    sim.resume("n2");
    expect(sim.node<Recorder>("n2")!.got).toHaveLength(50);
  });

  it("message types past messageTypesPerSender are counted together", async () => {
    class ManyTypes implements Node<{ type: string }> {
      start(env: Env<{ type: string }>): void {
        if (env.id === "n1") for (let i = 0; i < 10; i++) env.send("n2", { type: `t${i}` });
      }
      onMessage(): void {}
      onTimer(): void {}
    }
    const sim = new Simulation<{ type: string }>({
      seed: 1,
      nodes: 2,
      factory: () => new ManyTypes(),
      queueLimits: { messageTypesPerSender: 4 },
    });
    await sim.runFor(10);
    const byType = sim.stats.sentByType;
    expect([...byType.keys()].filter((k) => k.startsWith("n1:"))).toEqual([
      "n1:t0",
      "n1:t1",
      "n1:t2",
      "n1:t3",
      "n1:(other types)",
    ]);
    expect(byType.get("n1:(other types)")).toBe(6);
  });

  it("a bound must be a positive integer", () => {
    expect(
      () => new Simulation<Msg>({ seed: 1, nodes: 1, factory: () => new Recorder(), queueLimits: { heldPerLink: 0 } }),
    ).toThrow(/queueLimits\.heldPerLink must be a positive integer/);
  });
});

describe("event loop invariants", () => {
  const timer = (t: number, seq: number) => ({
    t,
    seq,
    type: "timer" as const,
    node: "n1" as NodeId,
    index: 0,
    incarnation: 1,
    handle: seq,
    tag: "x",
  });

  it("pops events in (time, sequence) order and moves time only forward", () => {
    const loop = new EventLoop(100, () => {});
    for (const [t, seq] of [
      [5, 0],
      [1, 1],
      [5, 2],
      [3, 3],
    ] as const)
      loop.push(timer(t, seq));
    const order: Array<[number, number]> = [];
    for (let e = loop.next(10); e; e = loop.next(10)) order.push([e.t, e.seq]);
    expect(order).toEqual([
      [1, 1],
      [3, 3],
      [5, 0],
      [5, 2],
    ]);
    expect(loop.now).toBe(5);
    expect(loop.next(10)).toBeUndefined();
  });

  it("an event scheduled in the past is a simulator bug, not the node's", () => {
    const loop = new EventLoop(100, () => {});
    loop.push(timer(5, 0));
    loop.next(10);
    expect(() => loop.push(timer(4, 1))).toThrow(SimulatorBug);
    expect(() => loop.advanceTo(1)).toThrow(/virtual time moves only forward/);
  });

  it("a full queue refuses the event and reports the limit", () => {
    const reported: Error[] = [];
    const loop = new EventLoop(2, (err) => reported.push(err));
    for (let i = 0; i < 3; i++) loop.push(timer(1, i));
    expect(loop.pending).toBe(2);
    expect(reported[0]).toBeInstanceOf(QueueLimitExceeded);
  });
});
