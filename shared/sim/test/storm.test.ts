/** Storm limits: a node that floods the network or the timer queue fails the run at once, by name. */
import { describe, expect, it } from "vitest";
import {
  maxStormPeaks,
  Simulation,
  StormDetected,
  type Env,
  type Node,
  type NodeId,
  type StormLimits,
} from "../src/index.ts";
import { HEAVY_TEST_BUDGET_MS } from "./helpers.ts";

type M = { type: "Ping" | "Pong" | "Beat"; n: number };

/** Heartbeats every 50 ms and answers each ping with one pong: a well-behaved node. */
class Calm implements Node<M> {
  private env!: Env<M>;
  start(env: Env<M>): void {
    this.env = env;
    env.setTimer(50, "beat");
  }
  onMessage(from: NodeId, msg: M): void {
    if (msg.type === "Ping") this.env.send(from, { type: "Pong", n: msg.n });
  }
  onTimer(): void {
    for (const p of this.env.peers) this.env.send(p, { type: "Ping", n: 0 });
    this.env.setTimer(50, "beat");
  }
}

/** n1 answers every Pong with another Ping: the "heartbeat on every reply" bug. */
class PingPong extends Calm {
  private me!: Env<M>;
  override start(env: Env<M>): void {
    this.me = env;
    super.start(env);
  }
  override onMessage(from: NodeId, msg: M): void {
    super.onMessage(from, msg);
    if (msg.type === "Pong" && this.me.id === "n1") {
      this.me.send(from, { type: "Ping", n: msg.n + 1 });
      this.me.send(from, { type: "Ping", n: msg.n + 2 });
    }
  }
}

/** Every timer sets two more. */
class TimerFork extends Calm {
  private me!: Env<M>;
  override start(env: Env<M>): void {
    this.me = env;
    env.setTimer(1, "fork");
  }
  override onTimer(): void {
    this.me.setTimer(1, "fork");
    this.me.setTimer(2, "fork");
  }
}

/** Two nodes bouncing one Ping back and forth as fast as the network goes: a steady storm. */
class OnlyPings implements Node<M> {
  private env!: Env<M>;
  start(env: Env<M>): void {
    this.env = env;
    if (env.id === "n1") env.send("n2", { type: "Ping", n: 0 });
  }
  onMessage(from: NodeId, msg: M): void {
    this.env.send(from, { type: "Ping", n: msg.n + 1 });
  }
  onTimer(): void {}
}

const limits: Partial<StormLimits> = {
  sendsPerNodePerSecond: 500,
  timersPerNodePerSecond: 200,
  eventsPerSecond: 5_000,
  heapSize: 2_000,
};
const delay = { kind: "uniform", min: 1, max: 5 } as const;

async function failure(sim: Simulation<M>, ms: number): Promise<unknown> {
  try {
    await sim.runFor(ms);
    return undefined;
  } catch (err) {
    return err;
  }
}

describe("storm limits", { timeout: HEAVY_TEST_BUDGET_MS }, () => {
  it("a calm cluster runs for a minute of virtual time under the limits, and reports its peaks", async () => {
    const sim = new Simulation<M>({ seed: 3, nodes: 3, factory: () => new Calm(), faults: { delay }, limits });
    await sim.runFor(60_000);
    const p = sim.stormPeaks();
    // 20 beats/s x 2 peers + up to 40 pongs: far below 500.
    expect(p.sendsPerNodePerSecond).toBeGreaterThanOrEqual(40);
    expect(p.sendsPerNodePerSecond).toBeLessThanOrEqual(100);
    expect(p.timersPerNodePerSecond).toBeGreaterThanOrEqual(20);
    expect(p.timersPerNodePerSecond).toBeLessThanOrEqual(21);
    expect(p.eventsPerSecond).toBeGreaterThan(0);
    expect(p.heapSize).toBeGreaterThan(0);
  });

  it("a node that answers every reply with more requests fails as a message storm naming node, count and type", async () => {
    const sim = new Simulation<M>({
      seed: 3,
      nodes: 3,
      factory: () => new PingPong(),
      faults: { delay },
      limits: { sendsPerNodePerSecond: 500 },
    });
    const err = await failure(sim, 60_000);
    expect(err).toBeInstanceOf(StormDetected);
    const s = err as StormDetected;
    expect(s.invariant).toBe("message storm");
    expect(s.node).toBe("n1");
    expect(s.count).toBe(501);
    expect(s.limit).toBe(500);
    expect(s.message).toMatch(
      /^n1 sent 501 messages \(\d+ of them Ping\) in 1 s of virtual time \(t=\d+\.\.\d+ ms; limit 500 per node per second\): a message storm\. Does a reply trigger another request\?$/,
    );
    // Stopped at once: well within the first seconds of virtual time.
    expect(s.t).toBeLessThan(2_000);
  });

  it("names the single message type when it is all a node sent", async () => {
    const sim = new Simulation<M>({
      seed: 1,
      nodes: 2,
      factory: () => new OnlyPings(),
      faults: { delay: { kind: "constant", ms: 0.1 } },
      limits: { sendsPerNodePerSecond: 2_000 },
    });
    const err = (await failure(sim, 10_000)) as StormDetected;
    expect(err.message).toMatch(
      /^n[12] sent 2,001 Ping in 1 s of virtual time \(t=0\.\.1000 ms; limit 2,000 messages per node per second\)/,
    );
  });

  it("a node that sets timers from timers fails as a timer storm", async () => {
    const sim = new Simulation<M>({ seed: 1, nodes: 1, factory: () => new TimerFork(), limits });
    const err = (await failure(sim, 10_000)) as StormDetected;
    expect(err).toBeInstanceOf(StormDetected);
    expect(err.invariant).toBe("timer storm");
    expect(err.node).toBe("n1");
    expect(err.message).toMatch(
      /^n1 set 201 timers in 1 s of virtual time .*limit 200 per node per second\): a timer storm/,
    );
  });

  it("the event rate and the heap size have their own limits", async () => {
    const events = (await failure(
      new Simulation<M>({
        seed: 1,
        nodes: 3,
        factory: () => new PingPong(),
        faults: { delay },
        limits: { eventsPerSecond: 1_000 },
      }),
      60_000,
    )) as StormDetected;
    expect(events.invariant).toBe("event storm");
    expect(events.message).toMatch(
      /^the run processed 1,001 events in 1 s of virtual time .*limit 1,000\): a storm of messages or timers\. Busiest this second: n1 /,
    );
    const heap = (await failure(
      new Simulation<M>({ seed: 1, nodes: 1, factory: () => new TimerFork(), limits: { heapSize: 100 } }),
      60_000,
    )) as StormDetected;
    expect(heap.invariant).toBe("event backlog");
    expect(heap.message).toMatch(/^101 events are waiting to run at t=\d+ ms \(limit 100\)/);
  });

  it("has no limits by default (benchmarks storm on purpose) and still measures peaks", async () => {
    const sim = new Simulation<M>({
      seed: 3,
      nodes: 2,
      factory: () => new OnlyPings(),
      faults: { delay: { kind: "constant", ms: 0.1 } },
    });
    await sim.runFor(2_000);
    expect(sim.limits.sendsPerNodePerSecond).toBe(Infinity);
    expect(sim.stormPeaks().sendsPerNodePerSecond).toBeGreaterThanOrEqual(4_990);
    expect(sim.stormPeaks().sendsPerNodePerSecond).toBeLessThanOrEqual(5_010);
    expect(
      maxStormPeaks([
        sim.stormPeaks(),
        { sendsPerNodePerSecond: 1e9, timersPerNodePerSecond: 0, eventsPerSecond: 0, heapSize: 0 },
      ]).sendsPerNodePerSecond,
    ).toBe(1e9);
  });

  it("the same seed trips at the same event", async () => {
    const run = async () =>
      (await failure(
        new Simulation<M>({ seed: 9, nodes: 3, factory: () => new PingPong(), faults: { delay }, limits }),
        60_000,
      )) as StormDetected;
    const [a, b] = [await run(), await run()];
    expect(a.message).toBe(b.message);
    expect(a.t).toBe(b.t);
  });
});
