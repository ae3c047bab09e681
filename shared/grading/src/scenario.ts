/**
 * What a grader is made of. A lab grader is a list of scenarios; a scenario is one graded test:
 * a setup, a fault schedule, a workload and invariants, run on a fixed set of seeds. Its points
 * are earned only when every seed passes, because one failing seed is a real bug.
 */
import type {
  Node,
  NodeId,
  Rng,
  SearchConfig,
  SearchResult,
  Simulation,
  SimulationOptions,
  StormLimits,
} from "@faultline/sim";
import type { NodeStateReader } from "./node-state.ts";

export interface LabGrader<L = unknown> {
  /** Lab folder name, e.g. "raft". */
  lab: string;
  title: string;
  /**
   * Folder holding the lab's src/ (stubs), reference/ and mutants/; default labs/<lab> of this
   * repository. Test fixtures point it elsewhere.
   */
  root?: string;
  /** Part letter -> title, e.g. { A: "Leader election" }. */
  parts: Record<string, string>;
  scenarios: ReadonlyArray<Scenario<L>>;
  /**
   * Storm limits of every simulation in this lab (a run crossing one fails at once, naming the
   * storm); a scenario's own `limits` and the options of `ctx.sim` override them.
   */
  limits?: Partial<StormLimits>;
  /**
   * How learner code runs: "context" (default) evaluates a bundle of it in one `node:vm`
   * context per simulated node, with nothing but JSON crossing; "process" leaves it to the
   * scenarios, which start it in processes of their own (labs whose code needs real HTTP or a
   * database): the grading process that runs them never imports it (`ctx.implPath` names it).
   */
  isolation?: "context" | "process";
  /**
   * Properties of a node (paths such as "log.length", or "value()" for a method called with no
   * arguments) that the lab's checks read after every step. Under context isolation each
   * handler's reply carries their primitive values, so those reads cost no call into the node's
   * context. Purely a speed hint: reads give the same values without it, as long as an observed
   * method answers the same when called twice in one state.
   */
  observe?: readonly string[];
  /**
   * The hook values a trace shows at every event of a node (read after each of its handlers),
   * so the picture shows what the learner's code believed: `(n) => ({ term: n.currentTerm, role: n.role })`.
   */
  nodeState?: NodeStateReader;
  /**
   * For "process" labs, whose scenarios start the implementation in processes of their own:
   * load it once in such a process and throw (a readable message) when it does not load. The
   * grading process never imports the implementation itself.
   */
  loadCheck?: (implPath: string) => Promise<void>;
}

export interface Scenario<L = unknown> {
  /** Part letter, a key of the lab's `parts`. */
  part: string;
  /** Unique within the lab, lowercase words a learner understands: "initial election". */
  name: string;
  points: number;
  /**
   * Bonus (stretch) tests: their points come on top of the lab's total instead of counting in
   * it, and a bonus test that fails or is not started does not fail the run.
   */
  bonus?: boolean;
  /** Tiered hints: the first is a nudge, the last nearly the answer. At least one. */
  hints: readonly string[];
  /** How many default seeds (1..n) grade this scenario (default 10). */
  seeds?: number;
  /** Hidden tests count for grades but are left out of the learner export. */
  hidden?: boolean;
  /** Storm limits for this scenario's simulations, over the lab's. */
  limits?: Partial<StormLimits>;
  /** Wall-clock limit for one seed (default 60 s). */
  timeoutMs?: number;
  /** Wall-clock limit for one handler call before it counts as an endless loop (default 2 s). */
  handlerTimeoutMs?: number;
  /**
   * False for scenarios with real I/O (HTTP, processes) whose runs cannot be replayed byte for
   * byte; they skip the determinism double-run.
   */
  deterministic?: boolean;
  /** Overrides the lab's isolation: "process" for a scenario that starts the implementation in real processes. */
  isolation?: "context" | "process";
  /** Overrides the lab's `nodeState` (a part whose nodes have other hooks). */
  nodeState?: NodeStateReader;
  run(ctx: ScenarioContext<L>): Promise<void> | void;
}

export interface ScenarioContext<L = unknown> {
  readonly seed: number;
  /** The lab module under test (stub, reference, a mutant or a submission). */
  readonly impl: L;
  /** The file `impl` was loaded from (to start it in real processes, say). */
  readonly implPath: string;
  /** A seeded stream for the scenario's own choices (workload, parameters). */
  readonly rng: Rng;
  /** Whether full traces were asked for (--trace). */
  readonly tracing: boolean;
  /** A simulation with this seed, the watchdog probe and the run's trace settings. */
  sim<M, T = string>(opts: Omit<SimulationOptions<M, T>, "seed" | "probe" | "trace" | "traceWindow">): Simulation<M, T>;
  /**
   * An exhaustive search over a small configuration of the implementation's nodes (see
   * `search` in @faultline/sim): every ordering of deliveries, timer firings and the faults
   * `opts.faults` allows, with `opts.invariants` checked in every state. A broken invariant fails
   * the scenario with the shortest event sequence that breaks it (saved as a trace, replayable
   * with --replay); a state budget that runs out fails it too (no verdict is not a pass). Under
   * --replay the saved sequence is run instead of the search.
   */
  search(opts: SearchTest): SearchResult;
  /** Fail the scenario unless `cond` holds. */
  check(cond: unknown, invariant: string, message: string | (() => string)): void;
  fail(invariant: string, message: string): never;
  /** Record a figure (e.g. "messages per add") shown in the report. */
  metric(name: string, value: number, unit?: string): void;
  /** A line for the report and the trace. */
  log(text: string): void;
  /**
   * A block the learner sees under the test in the report even when it passes (the first
   * seed's): a table of measured figures next to their bounds, a trade-off to look at.
   */
  show(text: string): void;
}

/** What a search test explores: a search configuration whose nodes the factory builds. */
export interface SearchTest extends Omit<SearchConfig<unknown>, "host"> {
  // biome-ignore lint/suspicious/noExplicitAny: each lab's nodes take their own message and timer types
  factory: (id: NodeId) => Node<any, any>;
  /**
   * Endpoints that are not nodes (senders of `initial`, receivers of outputs), for the trace
   * view; scripted clients (`clientScripts`) are added to them.
   */
  clients?: readonly NodeId[];
}

/** A failed check in grader code (as opposed to a simulator-detected failure). */
export class ScenarioFailure extends Error {
  constructor(
    readonly invariant: string,
    readonly detail: string,
    readonly t?: number,
    readonly node?: string,
  ) {
    super(`${invariant}: ${detail}`);
    this.name = "ScenarioFailure";
  }
}

/** Identity helper so a grader file gets full type checking of its scenarios. */
export function defineLab<L>(lab: LabGrader<L>): LabGrader<L> {
  const names = new Set<string>();
  for (const s of lab.scenarios) {
    if (names.has(s.name)) throw new Error(`${lab.lab}: duplicate scenario name "${s.name}"`);
    names.add(s.name);
    if (!(s.part in lab.parts)) throw new Error(`${lab.lab}: scenario "${s.name}" is in unknown part "${s.part}"`);
    if (s.hints.length === 0) throw new Error(`${lab.lab}: scenario "${s.name}" has no hint`);
    if (!(s.points >= 0)) throw new Error(`${lab.lab}: scenario "${s.name}" has invalid points`);
  }
  return lab;
}

export function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * Run a simulation until `done` (the grader's clients, a scripted phase) settles; past `maxMs`
 * of virtual time the scenario fails with "clients finish" (a grader bug or a hung
 * implementation).
 */
export async function runUntilSettled(
  ctx: Pick<ScenarioContext, "fail">,
  sim: Pick<Simulation<unknown>, "runUntil">,
  done: Promise<unknown>,
  maxMs: number,
  what: string,
): Promise<void> {
  let finished = false;
  void done.then(() => {
    finished = true;
  });
  const ok = await sim.runUntil(() => finished, { maxMs });
  if (!ok) ctx.fail("clients finish", `${what} did not finish within ${maxMs} ms of virtual time`);
}
