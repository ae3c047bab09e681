/**
 * Run one scenario on one seed, in this thread, and turn whatever happened into a verdict a
 * learner can read: pass, fail (which invariant, where, when), or not started (a stub).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  counterexampleTrace,
  formatCounterexample,
  inProcessHost,
  maxStormPeaks,
  NodeFailure,
  replayEvents,
  Rng,
  search,
  SearchBudgetExceeded,
  Simulation,
  SimulationError,
  type Counterexample,
  type HandlerProbe,
  type Node,
  type SearchConfig,
  type SearchEvent,
  type SearchHost,
  type SearchResult,
  type World,
  type SimulationOptions,
  type StormPeaks,
  type TraceFile,
} from "@faultline/sim";
import {
  ScenarioFailure,
  slug,
  type LabGrader,
  type Scenario,
  type ScenarioContext,
  type SearchTest,
} from "./scenario.ts";
import { contextSearchHost } from "./isolation/search-host.ts";
import { isLearnerCopy, loadImpl, resolveImpl } from "./impl.ts";
import { compileBundle, IsolatedImpl, type BundleRef } from "./isolation/runtime.ts";
import { relative, resolve } from "node:path";
import { TRACE_VIEWS, writeTraceFiles, type TraceView } from "./trace-files.ts";
import { NodeStateRecorder } from "./node-state.ts";

export interface SeedTask {
  lab: string;
  /** Path of the grader module that exports `lab: LabGrader`. */
  graderModule: string;
  scenario: string;
  seed: number;
  /** --impl value. */
  impl: string;
  /** Keep full traces and write trace files for this run. */
  trace: boolean;
  /** Where trace files go (default .faultline/traces under the repo). */
  traceDir: string;
  /** Return the stored trace events (used to locate the first difference of two runs). */
  collectEvents?: boolean;
  /**
   * Stop the run when this handler is entered at this virtual time (the call the watchdog found
   * stuck), so that the trace leading up to an endless loop can be written.
   */
  stopAt?: { text: string; t: number; message: string };
  /**
   * The implementation as one script, for labs graded in `node:vm` contexts. Bundled by the
   * process that starts the seed, so learner files are never imported where this task runs.
   */
  bundle?: BundleRef;
  /**
   * Return trace files as data instead of writing them (a grading process may not write: the
   * process that started it writes them).
   */
  returnTraces?: boolean;
  /** Only load the implementation (once per lab, before any test): does it load at all? */
  loadOnly?: boolean;
  /** A bundled worker script holding the runtime and this grader (strict grading processes). */
  workerScript?: string;
  /** How the implementation runs (see LabGrader.isolation). */
  isolation?: "context" | "process";
  /** Events of a saved search counterexample (--replay): a search test runs them instead of searching. */
  replay?: SearchEvent[];
}

/** A trace file to be written by the trusted process: base path, views, content. */
export interface PendingTrace {
  base: string;
  views: readonly TraceView[];
  file: TraceFile;
}

export type SeedStatus = "pass" | "fail" | "not-started" | "timeout";

export interface FailureInfo {
  /** The rule that broke, in words: "election safety", "liveness", "handler threw"... */
  invariant: string;
  message: string;
  /** Virtual time in ms, when known. */
  t?: number;
  node?: string;
  stack?: string;
  /** Index of the trace event at which an invariant was found broken. */
  eventIndex?: number;
}

export interface Metric {
  name: string;
  value: number;
  unit?: string;
}

export interface SeedResult {
  seed: number;
  status: SeedStatus;
  failure?: FailureInfo;
  /** Hash of every simulation's trace in this run ("" when the scenario used no simulator). */
  traceHash: string;
  virtualMs: number;
  wallMs: number;
  events: number;
  metrics: Metric[];
  logs: string[];
  /** Blocks for the report, pass or fail (ScenarioContext.show). */
  shown?: string[];
  traceFiles: string[];
  events_?: TraceFile["events"][];
  /** The highest per-second rates this seed's simulations reached (what storm limits are measured against). */
  peaks?: StormPeaks;
  /** For a handler stopped by the watchdog: which call ("n2 did not return from ...") and when. */
  stuck?: { text: string; t: number };
  /** The last lines the nodes logged (env.log, console.*) before a failure, as "n1 | text". */
  nodeLogs?: string[];
  /** The grading process that ran the seed (its pid), when it ran in one. */
  process?: number;
  /** Traces not yet written (see SeedTask.returnTraces). */
  pendingTraces?: PendingTrace[];
}

/** The result of a seed that was stopped from outside (watchdog, memory cap, lost process) or never run. */
export function stoppedSeed(
  seed: number,
  status: SeedStatus,
  failure: FailureInfo,
  virtualMs = 0,
  wallMs = 0,
): SeedResult {
  return { seed, status, failure, traceHash: "", virtualMs, wallMs, events: 0, metrics: [], logs: [], traceFiles: [] };
}

/** Thrown by the probe when a replay reaches the handler call that never returned. */
class WatchdogStop extends Error {
  constructor(readonly info: { text: string; t: number; message: string }) {
    super(info.message);
    this.name = "WatchdogStop";
  }
}

function stoppingProbe(stopAt: NonNullable<SeedTask["stopAt"]>, inner: HandlerProbe | undefined): HandlerProbe {
  return {
    enter(node, handler, t) {
      if (t >= stopAt.t && `${node} did not return from ${handler}` === stopAt.text) throw new WatchdogStop(stopAt);
      inner?.enter(node, handler, t);
    },
    exit() {
      inner?.exit();
    },
  };
}

const loadedGraders = new Map<string, Promise<LabGrader>>();

/** A grader bundled into this script (see isolation/runtime-bundle.ts): no import at run time. */
export function registerGrader(graderModule: string, m: { lab?: LabGrader; default?: LabGrader }): void {
  loadedGraders.set(
    graderModule,
    Promise.resolve().then(() => checkGrader(graderModule, m)),
  );
}

function checkGrader(graderModule: string, m: { lab?: LabGrader; default?: LabGrader }): LabGrader {
  const lab = m.lab ?? m.default;
  if (!lab || !Array.isArray(lab.scenarios)) throw new Error(`${graderModule} does not export "lab" (a LabGrader)`);
  // A learner copy grades without hidden tests even if one slipped through the export.
  if (isLearnerCopy() && lab.scenarios.some((s) => s.hidden))
    return { ...lab, scenarios: lab.scenarios.filter((s) => !s.hidden) };
  return lab;
}

const graderLoaders = new Map<string, () => Promise<{ lab?: LabGrader; default?: LabGrader }>>();

/**
 * A grader bundled with the command that grades (bin/faultline.mjs's cached bundle): loaded on
 * first use by `load` instead of importing the TypeScript file, which would need a loader.
 */
export function provideGrader(
  graderModule: string,
  load: () => Promise<{ lab?: LabGrader; default?: LabGrader }>,
): void {
  graderLoaders.set(graderModule, load);
}

export async function loadGrader(graderModule: string): Promise<LabGrader> {
  let p = loadedGraders.get(graderModule);
  if (!p) {
    const load = graderLoaders.get(graderModule) ?? (() => import(pathToFileURL(graderModule).href));
    p = load().then((m: { lab?: LabGrader; default?: LabGrader }) => checkGrader(graderModule, m));
    loadedGraders.set(graderModule, p);
  }
  return p;
}

export function findScenario(lab: LabGrader, name: string): Scenario {
  const s = lab.scenarios.find((x) => x.name === name);
  if (!s)
    throw new Error(
      `unknown test "${name}" in ${lab.lab}; tests: ${lab.scenarios.map((x) => `"${x.name}"`).join(", ")}`,
    );
  return s;
}

const realNow = Date.now;

/** Events a trace keeps without --trace: enough to explain a failure. */
const TRACE_WINDOW = 20_000;

/** `ctx.impl` of a "process" scenario: the implementation is not imported in the grading process. */
function notImportedHere(implPath: string): unknown {
  return new Proxy(Object.create(null) as object, {
    get(_t, k) {
      if (typeof k === "symbol" || k === "then") return undefined;
      throw new Error(
        `a "process" scenario does not import the implementation (ctx.impl.${k}): start it in a process of its own from ctx.implPath (${implPath})`,
      );
    },
  });
}

/** Run one seed. `probe` lets a watchdog in another thread see which handler is running. */
export async function runSeed(task: SeedTask, handlerProbe?: HandlerProbe): Promise<SeedResult> {
  const outer = task.stopAt ? stoppingProbe(task.stopAt, handlerProbe) : handlerProbe;
  // Learner code entered from inside a handler (a realm built in the node factory) is part of
  // that handler: only the outermost entry is reported.
  let depth = 0;
  const probe: HandlerProbe | undefined = outer && {
    enter(node, handler, t) {
      if (depth++ === 0) outer.enter(node, handler, t);
    },
    exit() {
      if (--depth === 0) outer.exit();
    },
  };
  const started = realNow();
  const grader = await loadGrader(task.graderModule);
  // A load check runs no scenario: any of the lab's names will do for the result's file names.
  const scenario = task.loadOnly ? (grader.scenarios[0] as Scenario) : findScenario(grader, task.scenario);
  const sims: Array<Simulation<unknown, unknown>> = [];
  /** Search traces (a counterexample, or a --replay), written like a simulation's. */
  const searchTraces: TraceFile[] = [];
  // What the nodes of each simulation reported at their events (when the lab declares hooks).
  const nodeStates = new Map<Simulation<unknown, unknown>, NodeStateRecorder>();
  const readNodeState = scenario.nodeState ?? grader.nodeState;
  const metrics: Metric[] = [];
  const logs: string[] = [];
  const shown: string[] = [];
  let status: SeedStatus = "pass";
  let failure: FailureInfo | undefined;

  let impl: unknown;
  let implPath = "";
  let isolated: IsolatedImpl | undefined;
  try {
    if (task.bundle) {
      implPath = task.bundle.entry;
      const b = task.bundle;
      isolated = new IsolatedImpl(
        compileBundle(b, (src) => relative(b.displayRoot, resolve(b.sourceDir, src))),
        probe,
        grader.observe,
      );
      isolated.load();
      impl = isolated.impl;
    } else if (task.isolation === "process") {
      // The scenario starts the implementation in processes of its own; nothing of it runs here.
      implPath = resolveImpl(task.lab, task.impl, grader.root);
      impl = notImportedHere(implPath);
      if (task.loadOnly) await grader.loadCheck?.(implPath);
    } else {
      implPath = resolveImpl(task.lab, task.impl, grader.root);
      impl = await loadImpl(task.lab, task.impl, grader.root);
    }
  } catch (err) {
    return finish("fail", {
      invariant: "implementation loads",
      message: (err as Error).message,
      stack: trimStack((err as Error).stack),
    });
  }
  if (task.loadOnly) return finish("pass", undefined);

  const ctx: ScenarioContext = {
    seed: task.seed,
    impl,
    implPath,
    rng: new Rng(task.seed, `scenario:${scenario.name}`),
    tracing: task.trace,
    sim<M, T = string>(
      opts: Omit<SimulationOptions<M, T>, "seed" | "probe" | "trace" | "traceWindow">,
    ): Simulation<M, T> {
      const limits = { ...grader.limits, ...scenario.limits, ...opts.limits };
      const factory = isolated ? isolated.wrapFactory(opts.factory) : opts.factory;
      const full = task.trace || task.collectEvents;
      const states = readNodeState ? new NodeStateRecorder(readNodeState, full ? Infinity : TRACE_WINDOW) : undefined;
      const sim = new Simulation<M, T>({
        ...opts,
        factory,
        limits,
        seed: task.seed,
        probe: states ? states.probe(probe) : probe,
        trace: full ? "full" : "window",
        traceWindow: TRACE_WINDOW,
      });
      const untyped = sim as unknown as Simulation<unknown, unknown>;
      sims.push(untyped);
      if (states) {
        states.attach(untyped);
        nodeStates.set(untyped, states);
      }
      return sim;
    },
    check(cond: unknown, invariant: string, message: string | (() => string)): void {
      if (!cond)
        throw new ScenarioFailure(invariant, typeof message === "function" ? message() : message, currentTime());
    },
    fail(invariant: string, message: string): never {
      throw new ScenarioFailure(invariant, message, currentTime());
    },
    metric(name: string, value: number, unit?: string) {
      metrics.push(unit === undefined ? { name, value } : { name, value, unit });
    },
    log(text: string) {
      logs.push(text);
      sims.at(-1)?.note("log", "net", text);
    },
    search(opts: SearchTest): SearchResult {
      return runSearchTest(opts);
    },
    show(text: string) {
      shown.push(text);
      sims.at(-1)?.note("log", "net", text);
    },
  };
  function runSearchTest(opts: SearchTest): SearchResult {
    const { factory, clients, ...rest } = opts;
    const host = (): SearchHost<unknown> =>
      (isolated
        ? contextSearchHost(isolated, opts.nodes, factory)
        : inProcessHost(factory as (id: string) => Node<unknown, unknown>)) as SearchHost<unknown>;
    const config: SearchConfig<unknown> = { ...rest, host: host() };
    const found = (c: Counterexample, r: SearchResult): SearchResult => {
      const endpoints = [...new Set([...(clients ?? []), ...(opts.clientScripts ?? []).map((x) => x.id)])];
      const file = counterexampleTrace({ ...config, host: host() }, c, endpoints);
      searchTraces.push({ ...file, seed: task.seed, search: { test: scenario.name, events: c.events } });
      if (c.kind === "violation") {
        const saved = relative(
          process.cwd(),
          join(task.traceDir, `${slug(scenario.name)}.seed${task.seed}.search.json`),
        );
        const again = `pnpm faultline grade ${task.lab} --only ${JSON.stringify(scenario.name)}${task.impl === "stub" ? "" : ` --impl ${task.impl}`} --replay ${saved}`;
        throw new ScenarioFailure(
          c.name,
          `${c.message}\n${formatCounterexample(c)}\n  run this sequence again (and draw it as a space-time diagram): ${again}`,
        );
      }
      return r;
    };
    if (task.replay) {
      const started = realNow();
      let replayed: ReturnType<typeof replayEvents<unknown>>;
      try {
        replayed = replayEvents(config, task.replay);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith("replay:"))
          throw new ScenarioFailure("the counterexample replays", err.message.slice("replay: ".length));
        throw err;
      }
      const events = task.replay.slice(0, replayed.worlds.length - 1);
      const result: SearchResult = {
        outcome: "exhausted",
        states: replayed.worlds.length,
        expanded: 0,
        depth: events.length,
        wallMs: realNow() - started,
      };
      if (replayed.error) {
        const e = replayed.error.error;
        if (e.name === "NotImplemented") throw e;
        return found(
          { kind: "violation", name: "a handler threw", message: `${e.name}: ${e.message}`, events },
          result,
        );
      }
      for (let i = 0; i < replayed.worlds.length; i++) {
        const view = replayed.stepper.view(replayed.worlds[i] as World<unknown>, i);
        for (const inv of opts.invariants) {
          const msg = inv.check(view);
          if (msg !== undefined)
            return found({ kind: "violation", name: inv.name, message: msg, events: task.replay.slice(0, i) }, result);
        }
      }
      const last = replayed.worlds.length - 1;
      const why = opts.settle && replayed.stepper.settle(replayed.worlds[last] as World<unknown>, last, opts.settle);
      if (opts.settle && why) return found({ kind: "violation", name: opts.settle.name, message: why, events }, result);
      ctx.log(`replayed ${task.replay.length} events of a saved counterexample: no invariant broke`);
      found({ kind: "goal", name: "replay", message: "no invariant broke", events: task.replay }, result);
      return result;
    }
    let r: SearchResult;
    try {
      r = search(config);
    } catch (err) {
      if (err instanceof SearchBudgetExceeded) throw new ScenarioFailure("search budget", err.message);
      if (err instanceof Error && err.name === "StateNotCopyable")
        throw new ScenarioFailure("node state is copyable", `${err.message}`);
      throw err;
    }
    ctx.metric("states explored", r.states);
    ctx.metric("search depth", r.depth, "events");
    ctx.metric("states per second", Math.round(r.states / Math.max(r.wallMs / 1000, 1e-3)));
    if (r.counterexample) return found(r.counterexample, r);
    return r;
  }

  function currentTime(): number | undefined {
    return sims.at(-1)?.now;
  }

  try {
    await scenario.run(ctx);
  } catch (err) {
    if (err instanceof WatchdogStop)
      return finish("timeout", {
        invariant: "watchdog",
        message: err.info.message,
        t: err.info.t,
        node: err.info.text.split(" ")[0] as string,
      });
    const f = describeFailure(err, sims);
    if (f.notStarted) status = "not-started";
    else status = "fail";
    failure = f.info;
  }
  return finish(status, failure);

  function finish(st: SeedStatus, fail: FailureInfo | undefined): SeedResult {
    const traceFiles: string[] = [];
    const pendingTraces: PendingTrace[] = [];
    if (sims.length > 0 && (task.trace || st === "fail" || st === "timeout")) {
      if (!task.returnTraces) mkdirSync(task.traceDir, { recursive: true });
      sims.forEach((sim, i) => {
        const base = join(
          task.traceDir,
          `${slug(scenario.name)}.seed${task.seed}${sims.length > 1 ? `.run${i + 1}` : ""}`,
        );
        const violation =
          fail && i === sims.length - 1
            ? {
                invariant: fail.invariant,
                message: fail.message,
                t: fail.t ?? sim.now,
                ...(fail.node ? { node: fail.node } : {}),
                ...(fail.eventIndex !== undefined ? { eventIndex: fail.eventIndex } : {}),
              }
            : undefined;
        // Without --trace only the JSON is written here; the views of the first failing seed
        // are rendered by gradeScenario (the other failing seeds' traces are dropped there).
        const views: readonly TraceView[] = task.trace ? TRACE_VIEWS : ["json"];
        const raw = sim.toTraceFile(violation);
        const file = nodeStates.get(sim)?.annotate(raw) ?? raw;
        if (task.returnTraces) pendingTraces.push({ base, views, file });
        else traceFiles.push(...writeTraceFiles(file, base, views));
      });
    }
    searchTraces.forEach((file, i) => {
      const base = join(
        task.traceDir,
        `${slug(scenario.name)}.seed${task.seed}.search${searchTraces.length > 1 ? i + 1 : ""}`,
      );
      const views: readonly TraceView[] = task.trace || task.replay ? TRACE_VIEWS : ["json"];
      if (task.returnTraces) pendingTraces.push({ base, views, file });
      else traceFiles.push(...writeTraceFiles(file, base, views));
    });
    const result: SeedResult = {
      seed: task.seed,
      status: st,
      ...(fail ? { failure: fail } : {}),
      traceHash: sims.map((s) => s.trace.hash()).join(""),
      virtualMs: sims.reduce((a, s) => a + s.now, 0),
      wallMs: realNow() - started,
      events: sims.reduce((a, s) => a + s.stats.events, 0),
      metrics,
      logs,
      ...(shown.length > 0 ? { shown } : {}),
      traceFiles,
    };
    if (sims.length > 0) result.peaks = maxStormPeaks(sims.map((s) => s.stormPeaks()));
    if (pendingTraces.length > 0) result.pendingTraces = pendingTraces;
    const last = sims.at(-1);
    if (last && (st === "fail" || st === "timeout")) {
      const said = lastNodeLogs(last);
      if (said.length > 0) result.nodeLogs = said;
    }
    if (task.collectEvents) result.events_ = sims.map((s) => s.trace.list());
    // Nothing reads the nodes any more: their contexts can serve the next seed.
    isolated?.dispose();
    return result;
  }
}

/** How many of the nodes' last log lines a failure report shows. */
export const NODE_LOG_LINES = 8;

function lastNodeLogs(sim: Simulation<unknown, unknown>): string[] {
  const nodes = new Set(sim.nodeIds);
  const out: string[] = [];
  const events = sim.trace.list();
  for (let i = events.length - 1; i >= 0 && out.length < NODE_LOG_LINES; i--) {
    const e = events[i];
    if (e && e.kind === "log" && nodes.has(e.node) && e.text !== undefined)
      out.push(`${e.node} | ${e.text.length > 200 ? `${e.text.slice(0, 200)}…` : e.text}`);
  }
  return out.reverse();
}

/** Classify an error from a scenario run. */
export function describeFailure(
  err: unknown,
  sims: ReadonlyArray<Simulation<unknown, unknown>> = [],
): { notStarted: boolean; info: FailureInfo } {
  if (err instanceof NodeFailure) {
    return {
      notStarted: err.kind === "not-implemented",
      info: {
        invariant: err.invariant,
        message: err.message,
        t: err.t,
        node: err.node,
        ...(err.kind === "threw" ? { stack: trimStack(err.stack) } : {}),
      },
    };
  }
  if (err instanceof SimulationError) {
    const eventIndex = (err as { eventIndex?: unknown }).eventIndex;
    // An invariant violation's own message repeats the invariant and the time shown beside it.
    const detail = (err as { detail?: unknown }).detail;
    const message = err.name === "InvariantViolation" && typeof detail === "string" ? detail : err.message;
    return {
      notStarted: false,
      info: {
        invariant: err.invariant,
        message,
        t: err.t,
        ...(err.node ? { node: err.node } : {}),
        ...(typeof eventIndex === "number" ? { eventIndex } : {}),
      },
    };
  }
  if (err instanceof ScenarioFailure) {
    return {
      notStarted: false,
      info: {
        invariant: err.invariant,
        message: err.detail,
        ...(err.t !== undefined ? { t: err.t } : {}),
        ...(err.node ? { node: err.node } : {}),
      },
    };
  }
  if (err instanceof Error && err.name === "NotImplemented")
    return { notStarted: true, info: { invariant: "not implemented", message: err.message } };
  // A NotImplemented surfacing through a wrapper (e.g. a property test) still means "not started".
  if (err instanceof Error && /is not implemented yet \(TODO\)/.test(err.message))
    return { notStarted: true, info: { invariant: "not implemented", message: firstLine(err.message) } };
  const e = err instanceof Error ? err : new Error(String(err));
  const t = sims.at(-1)?.now;
  return {
    notStarted: false,
    info: {
      invariant: "threw",
      message: `${e.name}: ${e.message}`,
      ...(t !== undefined ? { t } : {}),
      stack: trimStack(e.stack),
    },
  };
}

function firstLine(s: string): string {
  return (
    s
      .split("\n")
      .find((l) => /not implemented yet/.test(l))
      ?.trim() ??
    s.split("\n")[0] ??
    s
  );
}

/** Keep the frames that point at lab code; drop the simulator's and node's internals. */
function trimStack(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  const lines = stack.split("\n");
  const keep = lines.filter(
    (l, i) =>
      i === 0 ||
      (/^\s+at /.test(l) &&
        !/node:internal|node_modules|shared\/sim\/src|shared\/grading\/src|\.faultline\/runtime\/|faultline:(bootstrap|call|settle)/.test(
          l,
        )) ||
      /caused by/.test(l),
  );
  return keep.slice(0, 12).join("\n");
}
