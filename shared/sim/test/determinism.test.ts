/** Same seed and code give the same trace, byte for byte; different seeds give different runs. */
import { describe, expect, it } from "vitest";
import { randomNemesis, Simulation, type Env, type NodeId } from "../src/index.ts";
import { HEAVY_TEST_BUDGET_MS, Recorder, type Msg } from "./helpers.ts";

/** Gossips random numbers to random peers on randomized timers. */
class Gossip extends Recorder {
  override start(env: Env<Msg>): void {
    super.start(env);
    env.setTimer(1 + env.random() * 20, "g");
  }
  override onTimer(tag: string): void {
    super.onTimer(tag);
    const peer = this.env.peers[Math.floor(this.env.random() * this.env.peers.length)] as NodeId;
    this.env.send(peer, { type: "m", n: Math.floor(this.env.random() * 1000) });
    this.env.disk.write("last", this.timers.length);
    if (this.env.random() < 0.5) this.env.disk.sync();
    this.env.setTimer(1 + this.env.random() * 20, "g");
  }
}

async function run(seed: number, nemesis: boolean) {
  const sim = new Simulation<Msg>({
    seed,
    nodes: 5,
    factory: () => new Gossip(),
    faults: { drop: 0.1, duplicate: 0.05, delay: { kind: "exponential", mean: 5, min: 1 } },
  });
  if (nemesis) randomNemesis(sim, { from: 50, until: 1500, intervalMs: [50, 200] });
  await sim.runFor(2000);
  return sim;
}

describe("determinism", { timeout: HEAVY_TEST_BUDGET_MS }, () => {
  it("two runs of one seed have identical traces and hashes, under a random nemesis", async () => {
    for (const seed of [1, 2, 3]) {
      const a = await run(seed, true);
      const b = await run(seed, true);
      expect(a.trace.hash()).toBe(b.trace.hash());
      expect(JSON.stringify(a.toTraceFile())).toBe(JSON.stringify(b.toTraceFile()));
      expect(a.trace.count).toBeGreaterThan(500);
    }
  });

  it("different seeds give different traces", async () => {
    const hashes = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5]) hashes.add((await run(seed, false)).trace.hash());
    expect(hashes.size).toBe(5);
  });

  it("streams are independent: a node drawing more random numbers does not change network decisions", async () => {
    class Greedy extends Recorder {
      override start(env: Env<Msg>): void {
        super.start(env);
        if (env.id === "n1") for (let n = 0; n < 200; n++) env.send("n2", { type: "m", n });
        if (env.id === "n2") for (let i = 0; i < 1000; i++) env.random();
      }
    }
    class Plain extends Recorder {
      override start(env: Env<Msg>): void {
        super.start(env);
        if (env.id === "n1") for (let n = 0; n < 200; n++) env.send("n2", { type: "m", n });
      }
    }
    const delivered = async (f: () => Recorder) => {
      const sim = new Simulation<Msg>({ seed: 4, nodes: 2, factory: f, faults: { drop: 0.3 } });
      await sim.runFor(100);
      return sim.node<Recorder>("n2")!.got.map((g) => g.n);
    };
    expect(await delivered(() => new Greedy())).toEqual(await delivered(() => new Plain()));
  });

  it("the random nemesis's fault profile is chosen by the seed", async () => {
    const profiles = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      const sim = new Simulation<Msg>({ seed, nodes: 3, factory: () => new Recorder() });
      profiles.add(JSON.stringify(randomNemesis(sim, { until: 1000 })));
    }
    expect(profiles.size).toBeGreaterThan(3);
  });
});
