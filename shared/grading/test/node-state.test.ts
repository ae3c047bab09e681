/** What each node reported at its events: read after every handler, kept in the trace, shown by the views. */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { Simulation, type TraceFile } from "@faultline/sim";
import {
  describeState,
  gradeScenario,
  loadGrader,
  NodeStateRecorder,
  readNodeState,
  renderHtmlView,
  renderTextView,
  violationPosition,
  WorkerPool,
} from "../src/index.ts";
import { ECHO_GRADER, removeTemp, stateTrace, tempDir } from "./helpers.ts";

afterAll(removeTemp);

describe("reading a node's hook values", () => {
  it("keeps JSON values, clips long ones, leaves out undefined and reports a hook that throws", () => {
    const node = {
      term: 3,
      role: "leader",
      vote: null,
      up: true,
      log: Array.from({ length: 100 }, (_, i) => i),
      gone: undefined,
    };
    const s = readNodeState(
      (n: typeof node) => ({ term: n.term, role: n.role, vote: n.vote, up: n.up, log: n.log, gone: n.gone }),
      node,
    );
    expect(s).toMatchObject({ term: 3, role: "leader", vote: null, up: true });
    expect("gone" in s).toBe(false);
    expect(typeof s.log).toBe("string");
    expect((s.log as string).length).toBeLessThanOrEqual(160);
    expect(s.log as string).toMatch(/^\[0,1,2,.*…$/);
    expect(readNodeState(() => ({ v: Infinity }), {})).toEqual({ v: "Infinity" });
    expect(
      readNodeState(() => {
        throw new Error("LamportClock.tick is not implemented yet (TODO)\nstack");
      }, {}),
    ).toEqual({ error: "LamportClock.tick is not implemented yet (TODO)" });
    expect(describeState({ state: { term: 3, role: "leader", clock: '{"n1":2}' } })).toBe(
      'term=3 role=leader clock={"n1":2}',
    );
    expect(describeState({})).toBe("");
  });
});

describe("the recorder", () => {
  it("stores the state after each handler with that handler's event, and the violating event has it", async () => {
    const trace: TraceFile = await stateTrace();
    const handled = trace.events.filter((e) => e.kind === "deliver" || e.kind === "timer" || e.kind === "start");
    expect(handled.length).toBeGreaterThan(10);
    for (const e of handled) expect(e.state, `event #${e.i} ${e.kind}`).toBeDefined();
    for (const e of trace.events.filter((x) => x.kind === "send" || x.kind === "log")) expect(e.state).toBeUndefined();
    // each node's count grows by one at every ping it handles and never otherwise
    const last = new Map<string, number>();
    for (const e of handled) {
      const before = last.get(e.node) ?? 0;
      const now = e.state?.answered as number;
      const ping = e.kind === "deliver" && JSON.parse(e.payload ?? "{}").type === "ping";
      expect(now, `#${e.i}`).toBe(before + (ping ? 1 : 0));
      last.set(e.node, now);
    }
    // the step that broke the invariant: its handler's event (the violation marks the step's last event)
    const at = violationPosition(trace);
    const step = trace.events.slice(0, at + 1).findLast((e) => e.kind === "deliver")!;
    expect(trace.violation?.message).toBe(`${step.node} answered 7 pings`);
    expect(step.state).toEqual({ answered: 7 });
  });

  it("keeps only the states of the events a windowed trace keeps", async () => {
    const states = new NodeStateRecorder((n: { answered: number }) => ({ answered: n.answered }), 50);
    const sim = new Simulation({
      seed: 1,
      nodes: 2,
      factory: () => ({ answered: 0, start() {}, onMessage() {}, onTimer() {} }),
      probe: states.probe(undefined),
      trace: "window",
      traceWindow: 50,
    });
    states.attach(sim as unknown as Simulation<unknown, unknown>);
    sim.start();
    for (let i = 0; i < 400; i++) {
      sim.crash("n1");
      sim.restart("n1");
    }
    const file = states.annotate(sim.toTraceFile());
    expect(file.events.length).toBe(50);
    expect(file.events.filter((e) => e.kind === "start").every((e) => e.state?.answered === 0)).toBe(true);
    expect(states.stateAt(1)).toBeUndefined(); // the first boot's state went with its event
  });

  it("records through the grading harness: a failing run's trace carries the lab's hook values", async () => {
    const lab = await loadGrader(ECHO_GRADER);
    const pool = new WorkerPool(1);
    let json: string;
    try {
      const r = await gradeScenario(lab, lab.scenarios[0]!, {
        lab: "echo",
        graderModule: ECHO_GRADER,
        impl: "mutant:wrong-text",
        pool,
        traceDir: tempDir(),
        seeds: [1],
      });
      json = r.firstFailure!.traceFiles.find((f) => f.endsWith(".json"))!;
    } finally {
      await pool.close();
    }
    const trace = JSON.parse(readFileSync(json, "utf8")) as TraceFile;
    const echoes = trace.events.filter((e) => e.node === "n1" && e.kind === "deliver");
    expect(echoes.length).toBeGreaterThan(0);
    echoes.forEach((e, k) => {
      expect(e.state).toEqual({ answered: k + 1 });
    });
    const text = renderTextView(trace, { width: 200 });
    expect(text).toContain("[answered=1] ← c1");
    expect(renderHtmlView(trace)).toContain('"answered=1"');
  }, 60_000);
});
