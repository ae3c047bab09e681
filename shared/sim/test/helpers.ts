/** Tiny nodes used by the simulator's own tests. */
import type { Env, Node, NodeId } from "../src/index.ts";

export type Msg = { type: "m"; n: number; body?: unknown };

/** Records every message it receives (with local time) and every timer. */
export class Recorder implements Node<Msg> {
  env!: Env<Msg>;
  got: Array<{ from: NodeId; n: number; t: number; msg: Msg }> = [];
  timers: Array<{ tag: string; t: number }> = [];
  started = 0;
  start(env: Env<Msg>): void {
    this.env = env;
    this.started++;
  }
  onMessage(from: NodeId, msg: Msg): void {
    this.got.push({ from, n: msg.n, t: this.env.now(), msg });
  }
  onTimer(tag: string): void {
    this.timers.push({ tag, t: this.env.now() });
  }
}

/** Sends `count` numbered messages from n1 to n2 at start. */
export class Blaster extends Recorder {
  constructor(private readonly count: number) {
    super();
  }
  override start(env: Env<Msg>): void {
    super.start(env);
    if (env.id === "n1") for (let n = 0; n < this.count; n++) env.send("n2", { type: "m", n });
  }
}

/**
 * The time budget of a test that runs many simulations or samples many thousands of messages
 * (statistical checks, determinism over several seeds, storm limits). Verdicts count events and
 * never wall time; the budget only says when a test is stuck. These tests take 0.3-2.5 s each
 * on a 2-core machine under a load of 13 (under 0.5 s idle), so vitest's 5 s default failed
 * them with a typecheck running alongside; 60 s is an order of magnitude of headroom.
 */
export const HEAVY_TEST_BUDGET_MS = 60_000;
