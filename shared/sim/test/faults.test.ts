/**
 * Every fault of the transport, checked exactly (partitions, clogs, crashes, disk, pauses,
 * clocks) or statistically with fixed seeds (drop, duplicate, delay distributions).
 */
import { describe, expect, it } from "vitest";
import { Rng, sampleDelay, Simulation, type Delay } from "../src/index.ts";
import { Blaster, HEAVY_TEST_BUDGET_MS, Recorder, type Msg } from "./helpers.ts";

const N = 20_000;

async function blast(seed: number, faults: ConstructorParameters<typeof Simulation<Msg>>[0]["faults"]) {
  const sim = new Simulation<Msg>({ seed, nodes: 2, factory: () => new Blaster(N), faults, trace: "off" });
  await sim.runFor(100_000);
  return { sim, got: sim.node<Recorder>("n2")!.got };
}

describe("message loss, duplication and delay (statistical, fixed seeds)", { timeout: HEAVY_TEST_BUDGET_MS }, () => {
  it("drops about the configured fraction", async () => {
    for (const rate of [0.1, 0.5]) {
      const { got, sim } = await blast(7, { drop: rate });
      const observed = 1 - got.length / N;
      // 5 standard deviations of a binomial proportion
      expect(Math.abs(observed - rate)).toBeLessThan(5 * Math.sqrt((rate * (1 - rate)) / N));
      expect(sim.stats.dropped).toBe(N - got.length);
    }
  });

  it("duplicates about the configured fraction, with the configured number of copies", async () => {
    const { got } = await blast(8, { duplicate: 0.25, copies: 2 });
    const counts = new Map<number, number>();
    for (const g of got) counts.set(g.n, (counts.get(g.n) ?? 0) + 1);
    const dup = [...counts.values()].filter((c) => c > 1);
    expect(counts.size).toBe(N);
    expect(dup.every((c) => c === 3)).toBe(true);
    expect(Math.abs(dup.length / N - 0.25)).toBeLessThan(5 * Math.sqrt((0.25 * 0.75) / N));
  });

  it("delivers duplicates as independent copies (mutating one does not change another)", async () => {
    class Mutator extends Recorder {
      override onMessage(from: string, msg: Msg): void {
        super.onMessage(from, msg);
        msg.n = -1;
      }
    }
    const sim = new Simulation<Msg>({
      seed: 3,
      nodes: 2,
      factory: (id) => (id === "n1" ? new Blaster(1) : new Mutator()),
      faults: { duplicate: 1, copies: 3 },
    });
    await sim.runFor(100);
    expect(sim.node<Recorder>("n2")!.got.map((g) => g.n)).toEqual([0, 0, 0, 0]);
  });

  it("gives a duplicate's copies their own delay when copyDelay is set (a late retransmission)", async () => {
    const sim = new Simulation<Msg>({
      seed: 3,
      nodes: 2,
      factory: () => new Blaster(2),
      faults: { duplicate: 1, copies: 2, delay: { kind: "constant", ms: 2 }, copyDelay: { kind: "constant", ms: 500 } },
    });
    await sim.runFor(1_000);
    expect(sim.node<Recorder>("n2")!.got.map((g) => [g.n, g.t])).toEqual([
      [0, 2],
      [1, 2],
      [0, 500],
      [0, 500],
      [1, 500],
      [1, 500],
    ]);
    expect(() => sim.setLinkFaults("n1", "n2", { copyDelay: { kind: "uniform", min: 5, max: 1 } })).toThrow(
      /invalid delay/,
    );
  });

  it("samples each delay distribution with the right shape", () => {
    const rng = new Rng(5, "delay");
    const mean = (d: Delay) => {
      let s = 0;
      for (let i = 0; i < N; i++) s += sampleDelay(d, rng);
      return s / N;
    };
    expect(sampleDelay({ kind: "constant", ms: 7 }, rng)).toBe(7);
    expect(mean({ kind: "uniform", min: 10, max: 30 })).toBeCloseTo(20, 0);
    expect(mean({ kind: "exponential", mean: 50, min: 5 })).toBeGreaterThan(53);
    expect(mean({ kind: "exponential", mean: 50, min: 5 })).toBeLessThan(57);
    const tail: Delay = { kind: "longTail", base: { kind: "constant", ms: 1 }, tailProbability: 0.01, tailMs: 1001 };
    let slow = 0;
    for (let i = 0; i < N; i++) if (sampleDelay(tail, rng) > 1) slow++;
    expect(Math.abs(slow / N - 0.01)).toBeLessThan(5 * Math.sqrt((0.01 * 0.99) / N));
    for (let i = 0; i < 1000; i++) {
      const u = sampleDelay({ kind: "uniform", min: 3, max: 4 }, rng);
      expect(u >= 3 && u <= 4).toBe(true);
    }
  });

  it("reorders messages when delays vary, and keeps FIFO when they are constant", async () => {
    const varied = await blast(9, { delay: { kind: "uniform", min: 1, max: 50 } });
    const ns = varied.got.map((g) => g.n);
    expect(ns.some((n, i) => i > 0 && n < (ns[i - 1] as number))).toBe(true);
    const fixed = await blast(9, { delay: { kind: "constant", ms: 5 } });
    expect(fixed.got.map((g) => g.n)).toEqual([...Array(N).keys()]);
  });

  it("rejects invalid fault settings with a clear error", () => {
    expect(
      () => new Simulation<Msg>({ seed: 1, nodes: 1, factory: () => new Recorder(), faults: { drop: 2 } }),
    ).toThrow(/drop rate must be in \[0, 1\]/);
    expect(
      () =>
        new Simulation<Msg>({
          seed: 1,
          nodes: 1,
          factory: () => new Recorder(),
          faults: { delay: { kind: "uniform", min: 5, max: 1 } },
        }),
    ).toThrow(/min <= max/);
  });

  it("applies link settings over node settings over global ones", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 3, factory: () => new Recorder(), faults: { drop: 0.1 } });
    sim.setNodeFaults("n1", { drop: 0.5 });
    sim.setLinkFaults("n1", "n2", { drop: 0 });
    expect(sim.linkFaults("n1", "n2").drop).toBe(0);
    expect(sim.linkFaults("n1", "n3").drop).toBe(0.5);
    expect(sim.linkFaults("n3", "n1").drop).toBe(0.5);
    expect(sim.linkFaults("n2", "n3").drop).toBe(0.1);
  });
});

/** A node that sends one message to every peer every 10 ms. */
class Chatter extends Recorder {
  override start(env: import("../src/index.ts").Env<Msg>): void {
    super.start(env);
    env.setTimer(10, "tick");
  }
  override onTimer(tag: string): void {
    super.onTimer(tag);
    for (const p of this.env.peers) this.env.send(p, { type: "m", n: this.timers.length });
    this.env.setTimer(10, "tick");
  }
}

const reliable = { delay: { kind: "constant", ms: 1 } } as const;

describe("partitions, one-way blocks and clogs (exact)", () => {
  it("a symmetric partition stops traffic both ways and heal restores it", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 3, factory: () => new Chatter(), faults: reliable });
    sim.partition(["n1"], ["n2", "n3"]);
    await sim.runFor(100);
    const from = (id: string, peer: string) => sim.node<Recorder>(id)!.got.filter((g) => g.from === peer).length;
    expect(from("n1", "n2") + from("n1", "n3") + from("n2", "n1") + from("n3", "n1")).toBe(0);
    expect(from("n2", "n3")).toBeGreaterThan(5);
    sim.heal();
    await sim.runFor(100);
    expect(from("n1", "n2")).toBeGreaterThan(5);
  });

  it("a one-way block loses only one direction", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, factory: () => new Chatter(), faults: reliable });
    sim.blockOneWay("n1", "n2");
    await sim.runFor(100);
    expect(sim.node<Recorder>("n2")!.got.length).toBe(0);
    expect(sim.node<Recorder>("n1")!.got.length).toBeGreaterThan(5);
  });

  it("messages already in flight are lost when a partition starts before they arrive", async () => {
    const sim = new Simulation<Msg>({
      seed: 1,
      nodes: 2,
      factory: () => new Blaster(10),
      faults: { delay: { kind: "constant", ms: 50 } },
    });
    sim.at(10, "cut", () => sim.partition(["n1"], ["n2"]));
    await sim.runFor(100);
    expect(sim.node<Recorder>("n2")!.got.length).toBe(0);
    expect(sim.trace.list().filter((e) => e.kind === "drop" && e.text === "partition").length).toBe(10);
  });

  it("a clogged link holds messages without losing them, and releases them on unclog", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, factory: () => new Blaster(10), faults: reliable });
    sim.clog("n1", "n2");
    await sim.runFor(500);
    expect(sim.node<Recorder>("n2")!.got.length).toBe(0);
    sim.unclog("n1", "n2");
    await sim.runFor(10);
    expect(
      sim
        .node<Recorder>("n2")!
        .got.map((g) => g.n)
        .sort((a, b) => a - b),
    ).toEqual([...Array(10).keys()]);
    expect(sim.node<Recorder>("n2")!.got[0]!.t).toBeGreaterThanOrEqual(500);
  });

  it("isolate cuts a node from nodes and clients; reconnect restores it", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, clients: 1, factory: () => new Recorder(), faults: reliable });
    sim.isolate("n2");
    sim.client("c1").send("n2", { type: "m", n: 1 });
    await sim.runFor(10);
    expect(sim.node<Recorder>("n2")!.got.length).toBe(0);
    sim.reconnect("n2");
    sim.client("c1").send("n2", { type: "m", n: 2 });
    await sim.runFor(10);
    expect(sim.node<Recorder>("n2")!.got.map((g) => g.n)).toEqual([2]);
  });
});

describe("crash, restart and the disk (exact)", () => {
  class Durable extends Recorder {
    override start(env: import("../src/index.ts").Env<Msg>): void {
      super.start(env);
      env.setTimer(5, "tick");
    }
    override onMessage(from: string, msg: Msg): void {
      super.onMessage(from, msg);
      this.env.disk.write(`k${msg.n}`, { n: msg.n });
      if (msg.n % 2 === 0) this.env.disk.sync();
    }
  }

  it("a crash loses volatile state, timers and unsynced writes; restart boots a fresh instance on the synced disk", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, clients: 1, factory: () => new Durable(), faults: reliable });
    const c = sim.client("c1");
    for (const n of [0, 1, 2, 3]) c.send("n2", { type: "m", n });
    await sim.runFor(3);
    const before = sim.node<Durable>("n2")!;
    expect(before.got.length).toBe(4);
    expect(sim.diskOf("n2").keys()).toEqual(["k0", "k1", "k2", "k3"]);
    sim.crash("n2");
    expect(sim.node("n2")).toBeUndefined();
    expect(sim.diskOf("n2").keys()).toEqual(["k0", "k1", "k2"]); // k3 was written after the last sync
    c.send("n2", { type: "m", n: 9 });
    await sim.runFor(20);
    expect(before.timers.length).toBe(0); // its 5 ms timer died with it
    expect(sim.trace.list().some((e) => e.kind === "drop" && e.text === "node down")).toBe(true);
    sim.restart("n2");
    const after = sim.node<Durable>("n2")!;
    expect(after).not.toBe(before);
    expect(after.got.length).toBe(0);
    expect(after.env.disk.read("k2")).toEqual({ n: 2 });
    expect(after.env.disk.read("k3")).toBeUndefined();
    await sim.runFor(6);
    expect(after.timers.length).toBe(1);
  });

  it("disk values are copies: mutating what was written or read changes nothing stored", () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 1, factory: () => new Recorder() });
    sim.start();
    const disk = sim.node<Recorder>("n1")!.env.disk;
    const v = { list: [1] };
    disk.write("v", v);
    v.list.push(2);
    disk.read<{ list: number[] }>("v")!.list.push(3);
    expect(disk.read("v")).toEqual({ list: [1] });
    disk.delete("v");
    expect(disk.read("v")).toBeUndefined();
    expect(() => disk.write("f", () => 1)).toThrow(/not JSON-serializable/);
  });

  it("deletes are buffered like writes: a crash before sync brings the value back", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 1, factory: () => new Recorder() });
    sim.start();
    const disk = sim.node<Recorder>("n1")!.env.disk;
    disk.write("v", 1);
    disk.sync();
    disk.delete("v");
    sim.crash("n1");
    sim.restart("n1");
    expect(sim.node<Recorder>("n1")!.env.disk.read("v")).toBe(1);
  });

  it("crashing a crashed node or restarting a running one is a clear error", () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 1, factory: () => new Recorder() });
    sim.start();
    expect(() => sim.restart("n1")).toThrow(/is up; crash it first/);
    sim.crash("n1");
    expect(() => sim.crash("n1")).toThrow(/already down/);
    expect(() => sim.crash("n7")).toThrow(/unknown node "n7"; nodes: n1/);
  });
});

describe("pause and resume (exact)", () => {
  it("a paused node runs nothing; its messages queue and its timers fire late, in order, on resume", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, clients: 1, factory: () => new Recorder(), faults: reliable });
    sim.start();
    const n2 = sim.node<Recorder>("n2")!;
    n2.env.setTimer(10, "t10");
    sim.pause("n2");
    sim.client("c1").send("n2", { type: "m", n: 1 });
    sim.client("c1").send("n2", { type: "m", n: 2 });
    await sim.runFor(100);
    expect(n2.got.length).toBe(0);
    expect(n2.timers.length).toBe(0);
    sim.resume("n2");
    expect(n2.timers).toEqual([{ tag: "t10", t: 100 }]);
    expect(n2.got.map((g) => [g.n, g.t])).toEqual([
      [1, 100],
      [2, 100],
    ]);
  });
});

describe("clocks: offset, drift and jumps (exact)", () => {
  it("env.now() shows offset, drift and jumps; timers follow drift but not jumps", async () => {
    const sim = new Simulation<Msg>({
      seed: 1,
      nodes: 2,
      factory: () => new Recorder(),
      clocks: { n2: { offset: 1000, drift: 0.1 } },
    });
    sim.start();
    await sim.runFor(100);
    expect(sim.localTime("n1")).toBe(100);
    expect(sim.localTime("n2")).toBeCloseTo(1110, 9);
    sim.clockJump("n2", -500);
    expect(sim.localTime("n2")).toBeCloseTo(610, 9);
    const n2 = sim.node<Recorder>("n2")!;
    n2.env.setTimer(110, "drifted"); // 110 ms of a clock running 10% fast = 100 ms of true time
    await sim.runFor(101);
    expect(n2.timers.map((x) => x.tag)).toEqual(["drifted"]);
    expect(sim.trace.list().find((e) => e.kind === "timer")!.t).toBe(200);
    sim.setClock("n1", { offset: -50 });
    expect(sim.localTime("n1")).toBe(sim.now - 50);
  });
});

describe("acting on a cluster before its first run", () => {
  it("boots the nodes first, so a crash or a question means the running node", () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, factory: () => new Recorder() });
    expect(sim.isUp("n1")).toBe(true);
    sim.crash("n2");
    expect(sim.isUp("n2")).toBe(false);
  });
});
