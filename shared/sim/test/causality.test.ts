/** Ground truth: every process event carries its true vector clock; ShiViz export follows ShiViz's rules. */
import { describe, expect, it } from "vitest";
import {
  causality,
  compareVectors,
  happenedBefore,
  SHIVIZ_REGEX,
  Simulation,
  toShiViz,
  type Env,
} from "../src/index.ts";
import { Recorder, type Msg } from "./helpers.ts";

class Relay extends Recorder {
  override start(env: Env<Msg>): void {
    super.start(env);
    if (env.id === "n1") env.send("n2", { type: "m", n: 1 });
    if (env.id === "n3") env.log("independent work");
  }
  override onMessage(from: string, msg: Msg): void {
    super.onMessage(from, msg);
    if (this.env.id === "n2") this.env.send("n3", { type: "m", n: 2 });
  }
}

describe("ground-truth vector clocks", () => {
  it("relates sends, deliveries and local events exactly as happened-before says", async () => {
    const sim = new Simulation<Msg>({
      seed: 1,
      nodes: 3,
      factory: () => new Relay(),
      faults: { delay: { kind: "constant", ms: 1 } },
    });
    await sim.runFor(10);
    const ev = sim.trace.list();
    const send1 = ev.find((e) => e.kind === "send" && e.node === "n1")!;
    const recv1 = ev.find((e) => e.kind === "deliver" && e.node === "n2")!;
    const send2 = ev.find((e) => e.kind === "send" && e.node === "n2")!;
    const recv2 = ev.find((e) => e.kind === "deliver" && e.node === "n3")!;
    const local3 = ev.find((e) => e.kind === "log" && e.node === "n3")!;
    expect(happenedBefore(send1, recv1)).toBe(true);
    expect(happenedBefore(send1, recv2)).toBe(true); // transitivity through n2
    expect(happenedBefore(recv2, send1)).toBe(false);
    expect(causality(local3, send1)).toBe("concurrent");
    expect(happenedBefore(local3, recv2)).toBe(true); // program order on n3
    expect(causality(send2, recv1)).toBe("after");
    expect(compareVectors([1, 2], [1, 2])).toBe("equal");
  });

  it("exports a ShiViz log: regex line, own entry present, +1 per event of a host", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 3, factory: () => new Relay() });
    await sim.runFor(10);
    const text = toShiViz(sim.toTraceFile());
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe(SHIVIZ_REGEX);
    const last = new Map<string, number>();
    for (let i = 2; i < lines.length; i += 2) {
      const m = /^(\S+) (\{.*\})$/.exec(lines[i]!);
      expect(m).not.toBeNull();
      const host = m![1]!;
      const clock = JSON.parse(m![2]!) as Record<string, number>;
      expect(clock[host]).toBe((last.get(host) ?? 0) + 1);
      last.set(host, clock[host]!);
    }
    expect([...last.keys()].sort()).toEqual(["n1", "n2", "n3"]);
  });
});

describe("client endpoints", () => {
  it("a call that gets no reply resolves undefined after its timeout, at a definite virtual time", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 1, clients: 1, factory: () => new Recorder() });
    let at = -1;
    let reply: unknown = "pending";
    sim.spawn("caller", async () => {
      reply = await sim.client("c1").call("n1", { type: "m", n: 1 }, () => true, 250);
      at = sim.now;
    });
    await sim.runFor(1000);
    expect(reply).toBeUndefined();
    expect(at).toBe(250);
  });

  it("a workload that throws stops the run with its error", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 1, clients: 1, factory: () => new Recorder() });
    sim.spawn("bad", async () => {
      await sim.client("c1").sleep(5);
      throw new Error("workload bug");
    });
    await expect(sim.runFor(100)).rejects.toThrow("workload bug");
  });

  it("unknown clients are named with the list of clients", () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 1, clients: 2, factory: () => new Recorder() });
    expect(() => sim.client("c9")).toThrow(/unknown client "c9"; clients: c1, c2/);
  });
});

describe("event hooks", () => {
  it("see the start event before anything start(env) sends", async () => {
    class Eager extends Recorder {
      override start(env: Env<Msg>): void {
        super.start(env);
        if (env.id === "n1") env.send("n2", { type: "m", n: 0 });
      }
    }
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, factory: () => new Eager() });
    const kinds: string[] = [];
    sim.onEvent((e) => {
      if (e.node === "n1") kinds.push(e.kind);
    });
    await sim.runFor(10);
    expect(kinds.slice(0, 2)).toEqual(["start", "send"]);
    const [start, send] = sim.trace.list().filter((e) => e.node === "n1");
    expect(happenedBefore(start!, send!)).toBe(true);
  });

  it("a hook that throws stops the run with its own error, not as the node's failure", async () => {
    const sim = new Simulation<Msg>({
      seed: 1,
      nodes: 2,
      factory: (id) => (id === "n1" ? new Relay() : new Recorder()),
    });
    sim.onEvent((e) => {
      if (e.kind === "deliver") throw new Error("grader bug");
    });
    await expect(sim.runFor(10)).rejects.toThrow("grader bug");
    expect(sim.failures).toEqual([]);
    expect(sim.isUp("n2")).toBe(true);
  });
});
