/** Learner code cannot crash the run or smuggle in nondeterminism without being named. */
import { describe, expect, it } from "vitest";
import {
  EventBudgetExceeded,
  InvariantViolation,
  LivenessTimeout,
  NodeFailure,
  NotImplemented,
  Simulation,
  type Env,
} from "../src/index.ts";
import { Blaster, Recorder, type Msg } from "./helpers.ts";

function nodeUsing(call: () => unknown) {
  return class extends Recorder {
    override onMessage(from: string, msg: Msg): void {
      super.onMessage(from, msg);
      call();
    }
  };
}

async function failureOf(Node: new () => Recorder): Promise<NodeFailure> {
  const sim = new Simulation<Msg>({ seed: 1, nodes: 2, factory: (id) => (id === "n1" ? new Blaster(1) : new Node()) });
  const err = await sim.runFor(100).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NodeFailure);
  return err as NodeFailure;
}

describe("guards against nondeterminism", () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ["Math.random", () => Math.random(), /Math\.random\(\).*use env\.random\(\)/],
    ["Date.now", () => Date.now(), /Date\.now\(\).*use env\.now\(\)/],
    ["new Date", () => new Date(), /new Date\(\).*use env\.now\(\)/],
    ["performance.now", () => performance.now(), /performance\.now\(\).*use env\.now\(\)/],
    ["setTimeout", () => setTimeout(() => {}, 10), /setTimeout\(\).*env\.setTimer/],
    ["setInterval", () => setInterval(() => {}, 10), /setInterval\(\).*env\.setTimer/],
    ["setImmediate", () => setImmediate(() => {}), /setImmediate\(\)/],
    ["queueMicrotask", () => queueMicrotask(() => {}), /queueMicrotask\(\)/],
  ];
  for (const [api, call, advice] of cases) {
    it(`${api} inside a handler is reported with node, handler and what to use instead`, async () => {
      const f = await failureOf(nodeUsing(call));
      expect(f.kind).toBe("nondeterminism");
      expect(f.node).toBe("n2");
      expect(f.handler).toBe("onMessage(m from n1)");
      expect(f.message).toMatch(advice);
    });
  }

  it("is reported even when the learner catches the error", async () => {
    const f = await failureOf(
      nodeUsing(() => {
        try {
          Math.random();
        } catch {
          /* swallowed */
        }
      }),
    );
    expect(f.kind).toBe("nondeterminism");
  });

  it("leaves the real functions alone outside handlers and after the run", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 1, factory: () => new Recorder() });
    sim.addInvariant(
      "grader code may use real time",
      // biome-ignore lint/complexity/useDateNow: the test reads the clock both ways, through Date.now and new Date()
      () => (typeof Date.now() === "number" && new Date().getTime() > 0 ? undefined : "broken"),
    );
    sim.after(5, "check", () => void Math.random());
    await sim.runFor(10);
    expect(typeof Math.random()).toBe("number");
    expect(new Date(0).getTime()).toBe(0);
    expect(new Date() instanceof Date).toBe(true);
  });
});

describe("handler failures", () => {
  it("a throwing handler becomes a failure naming node, handler, time and the stack", async () => {
    const f = await failureOf(
      nodeUsing(() => {
        throw new TypeError("boom");
      }),
    );
    expect(f.kind).toBe("threw");
    expect(f.message).toMatch(/^n2 threw in onMessage\(m from n1\) at t=\d+(\.\d+)? ms: boom$/);
    expect(f.stack).toMatch(/caused by TypeError: boom/);
  });

  it("NotImplemented is classified as not started", async () => {
    const f = await failureOf(
      nodeUsing(() => {
        throw new NotImplemented("Node.onMessage");
      }),
    );
    expect(f.kind).toBe("not-implemented");
    expect(f.invariant).toBe("not implemented");
  });

  it("with stopOnNodeFailure off, the failing node crashes and the run goes on", async () => {
    const Bad = nodeUsing(() => {
      throw new Error("x");
    });
    const sim = new Simulation<Msg>({
      seed: 1,
      nodes: 3,
      stopOnNodeFailure: false,
      factory: (id) => (id === "n1" ? new Blaster(1) : new Bad()),
    });
    await sim.runFor(100);
    expect(sim.failures.length).toBe(1);
    expect(sim.isUp("n2")).toBe(false);
    expect(sim.isUp("n3")).toBe(true);
  });

  it("sending a non-JSON value or to an unknown node fails loudly", async () => {
    class BadSend extends Recorder {
      override start(env: Env<Msg>): void {
        super.start(env);
        env.send("n9", { type: "m", n: 1 });
      }
    }
    const sim = new Simulation<Msg>({ seed: 1, nodes: 1, factory: () => new BadSend() });
    await expect(sim.runFor(1)).rejects.toThrow(/n1 sent to unknown node "n9"/);
    class BigSend extends Recorder {
      override start(env: Env<Msg>): void {
        super.start(env);
        env.send("n1", { type: "m", n: 1, body: 10n } as unknown as Msg);
      }
    }
    const sim2 = new Simulation<Msg>({ seed: 1, nodes: 1, factory: () => new BigSend() });
    await expect(sim2.runFor(1)).rejects.toThrow(/cannot be serialized/);
  });
});

describe("messages are copied at send", () => {
  it("mutating a message after send changes nothing in flight", async () => {
    class Sender extends Recorder {
      override start(env: Env<Msg>): void {
        super.start(env);
        if (env.id !== "n1") return;
        const m: Msg = { type: "m", n: 1, body: { list: [1] } };
        env.send("n2", m);
        m.n = 99;
        (m.body as { list: number[] }).list.push(2);
      }
    }
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, factory: () => new Sender() });
    await sim.runFor(10);
    expect(sim.node<Recorder>("n2")!.got[0]!.msg).toEqual({ type: "m", n: 1, body: { list: [1] } });
  });
});

describe("limits and liveness", () => {
  it("an event budget stops a runaway run with a clear message", async () => {
    class Storm extends Recorder {
      override start(env: Env<Msg>): void {
        super.start(env);
        env.send(env.peers[0]!, { type: "m", n: 0 });
      }
      override onMessage(from: string, msg: Msg): void {
        this.env.send(from, msg);
        this.env.send(from, msg);
      }
    }
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, factory: () => new Storm(), maxEvents: 10_000, trace: "off" });
    const err = await sim.runFor(10_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventBudgetExceeded);
    expect((err as Error).message).toMatch(/after 10000 events.*busiest: n[12]:m/);
  });

  it("an invariant that fails stops the run at the step that broke it", async () => {
    const sim = new Simulation<Msg>({
      seed: 1,
      nodes: 2,
      factory: () => new Blaster(5),
      faults: { delay: { kind: "constant", ms: 3 } },
    });
    sim.addInvariant("at most 2 messages", () => {
      const n = sim.node<Recorder>("n2")?.got.length ?? 0;
      return n > 2 ? `n2 received ${n} messages` : undefined;
    });
    const err = (await sim.runFor(100).catch((e: unknown) => e)) as InvariantViolation;
    expect(err).toBeInstanceOf(InvariantViolation);
    expect(err.message).toBe(
      `invariant "at most 2 messages" violated at t=3 ms (event #${err.eventIndex}): n2 received 3 messages`,
    );
  });

  it("liveness heals everything then requires progress within the bound", async () => {
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, clients: 1, factory: () => new Recorder() });
    sim.start();
    sim.crash("n2");
    sim.isolate("n1");
    await sim.liveness(() => sim.isUp("n2"), "n2 back", 10);
    const err = await sim.liveness(() => false, "never", 50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LivenessTimeout);
    expect((err as Error).message).toMatch(/never: not reached within 50 ms/);
  });
});

describe("message shape", () => {
  it("refuses data a real socket would mangle, naming where it is", async () => {
    class MapSend extends Recorder {
      override start(env: Env<Msg>): void {
        super.start(env);
        env.send("n1", { type: "m", n: 1, body: { votes: new Map([["n2", true]]) } } as unknown as Msg);
      }
    }
    const sim = new Simulation<Msg>({ seed: 1, nodes: 1, factory: () => new MapSend() });
    await expect(sim.runFor(1)).rejects.toThrow(
      /n1 sent a message to n1 that cannot be serialized: message contains a Map at \.body\.votes/,
    );
  });

  it("drops undefined properties like JSON does, and gives each receiver its own mutable copy", async () => {
    class Twice extends Recorder {
      override start(env: Env<Msg>): void {
        super.start(env);
        if (env.id === "n1") env.send("n2", { type: "m", n: 1, body: { a: undefined, list: [1] } });
      }
      override onMessage(from: string, msg: Msg): void {
        super.onMessage(from, msg);
        (msg.body as { list: number[] }).list.push(2); // the receiver owns its copy
      }
    }
    const sim = new Simulation<Msg>({ seed: 1, nodes: 2, factory: () => new Twice(), faults: { duplicate: 1 } });
    await sim.runFor(20);
    const got = sim.node<Recorder>("n2")!.got;
    expect(got.length).toBe(2);
    expect(got.map((g) => g.msg.body)).toEqual([{ list: [1, 2] }, { list: [1, 2] }]);
    expect(sim.trace.list().find((e) => e.kind === "send")!.payload).toBe('{"type":"m","n":1,"body":{"list":[1]}}');
  });
});
