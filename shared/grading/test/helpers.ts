/** Shared helpers of the grading tests: the fixture grader, a trace of a busy run. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Simulation, type Env, type Node, type NodeId, type TraceFile } from "@faultline/sim";
import { describeFailure, NodeStateRecorder } from "../src/index.ts";

export const ECHO_GRADER = fileURLToPath(new URL("../fixtures/echo/grader.ts", import.meta.url));
export const ECHO_ROOT = fileURLToPath(new URL("../fixtures/echo/", import.meta.url));
/** Two defective tests of the same lab: one stops driving its simulation, one never ends. */
export const STALLED_GRADER = fileURLToPath(new URL("../fixtures/echo/stalled-grader.ts", import.meta.url));

const made: string[] = [];

export function tempDir(prefix = "faultline-grading-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Remove every temporary folder made by this test file (call in afterAll). */
export function removeTemp(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

type Gossip = { type: "ping"; n: number } | { type: "pong"; n: number };

class Gossiper implements Node<Gossip> {
  private env!: Env<Gossip>;
  private n = 0;
  /** Hook: pings this node has answered. */
  answered = 0;
  start(env: Env<Gossip>): void {
    this.env = env;
    env.setTimer(5, "tick");
  }
  onMessage(from: NodeId, msg: Gossip): void {
    if (msg.type !== "ping") return;
    this.answered++;
    this.env.send(from, { type: "pong", n: msg.n });
  }
  onTimer(): void {
    const peers = this.env.peers;
    const to = peers[Math.floor(this.env.random() * peers.length)] as NodeId;
    this.env.send(to, { type: "ping", n: ++this.n });
    this.env.setTimer(5 + Math.floor(this.env.random() * 10), "tick");
  }
}

/**
 * A real run with every kind of fault (loss, duplicates, a partition, a crash, a pause) of at
 * least `events` trace events, ending in a violation when `violation` is set.
 */
export async function busyTrace(events: number, violation = true): Promise<TraceFile> {
  const sim = new Simulation<Gossip>({
    seed: 7,
    nodes: 4,
    factory: () => new Gossiper(),
    faults: { drop: 0.05, duplicate: 0.05 },
  });
  await sim.runFor(100);
  sim.partition(["n1", "n2"], ["n3", "n4"]);
  await sim.runFor(100);
  sim.heal();
  sim.crash("n3");
  sim.pause("n4");
  await sim.runFor(100);
  sim.restart("n3");
  sim.resume("n4");
  sim.isolate("n2");
  while (sim.trace.count < events) await sim.runFor(100);
  sim.reconnect("n2");
  return sim.toTraceFile(
    violation
      ? { invariant: "pings are answered", message: "n2 sent ping 12 and never heard back", t: sim.now, node: "n2" }
      : undefined,
  );
}

/**
 * A run whose nodes report a hook value (`answered`) at every event, stopped by an invariant
 * the simulator checks after every step (so a "VIOLATION" row follows the violating event).
 */
export async function stateTrace(limit = 6): Promise<TraceFile> {
  const states = new NodeStateRecorder((n: Gossiper) => ({ answered: n.answered }), Infinity);
  const sim = new Simulation<Gossip>({
    seed: 3,
    nodes: 3,
    factory: () => new Gossiper(),
    probe: states.probe(undefined),
  });
  states.attach(sim as unknown as Simulation<unknown, unknown>);
  sim.addInvariant("a node answers at most a few pings", () => {
    for (const [id, n] of sim.liveNodes<Gossiper>())
      if (n.answered > limit) return `${id} answered ${n.answered} pings`;
    return undefined;
  });
  try {
    await sim.runFor(10_000);
  } catch (err) {
    const { info } = describeFailure(err, [sim as unknown as Simulation<unknown, unknown>]);
    return states.annotate(
      sim.toTraceFile({
        invariant: info.invariant,
        message: info.message,
        t: info.t ?? sim.now,
        ...(info.eventIndex !== undefined ? { eventIndex: info.eventIndex } : {}),
      }),
    );
  }
  throw new Error("the invariant never broke");
}
