/**
 * What each learner node reported, event by event, for the trace views: after every handler
 * (start, a delivery, a timer) the lab's declared hook values are read from the node and kept
 * by the index of the event that ran the handler. Under the isolated runtime those reads cross
 * the node's `node:vm` boundary as JSON, like every other grader read of a hook.
 *
 * The values are read inside the handler's watchdog window (a getter that never returns is
 * stopped like the handler), never throw into the run, and are kept only for the events the
 * trace itself keeps. They are not part of the trace hash: they follow from the run.
 */
import type { HandlerProbe, NodeId, Simulation, TraceEvent, TraceFile } from "@faultline/sim";

/** One value as stored in a trace: JSON primitives, or the JSON text of anything else. */
export type NodeStateValue = string | number | boolean | null;
export type NodeState = Record<string, NodeStateValue>;

/**
 * A lab's declaration of the hook values a trace shows at every event of a node, e.g.
 * `(n) => ({ term: n.currentTerm, role: n.role })`. `node` is the node as the grader sees it;
 * undefined values are left out.
 */
// biome-ignore lint/suspicious/noExplicitAny: each lab's reader takes its own node type, which `unknown` would refuse
export type NodeStateReader = (node: any) => Record<string, unknown>;

/** Longest text kept for one value (a vector clock, a list): the views clip further. */
const MAX_VALUE_CHARS = 160;

function storedValue(v: unknown): NodeStateValue | undefined {
  if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
  if (v === null || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (typeof v === "bigint") return `${v}n`;
  const text = typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
  return text.length <= MAX_VALUE_CHARS ? text : `${text.slice(0, MAX_VALUE_CHARS - 1)}…`;
}

/** Read one node's state with `read`; a hook that throws is reported as the value `error`. */
export function readNodeState(read: NodeStateReader, node: unknown): NodeState {
  const out: NodeState = {};
  let raw: Record<string, unknown>;
  try {
    raw = read(node);
  } catch (err) {
    return { error: storedValue((err instanceof Error ? err.message : String(err)).split("\n")[0]) as string };
  }
  if (raw === null || typeof raw !== "object") return out;
  for (const [k, v] of Object.entries(raw)) {
    const s = storedValue(v);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

export class NodeStateRecorder {
  private sim: Simulation<unknown, unknown> | undefined;
  /** Event index -> state after that event's handler, in increasing index order. */
  private readonly states = new Map<number, NodeState>();
  /** Handlers entered and not yet left: the node and the index of its event. */
  private readonly open: Array<{ node: NodeId; index: number }> = [];

  /**
   * `keep`: how many of the latest events the trace stores (Infinity when it keeps them all);
   * states of older events are dropped with them.
   */
  constructor(
    private readonly read: NodeStateReader,
    private readonly keep: number,
  ) {}

  /** The simulation whose nodes are read (it is built with `probe(...)`, so it comes after). */
  attach(sim: Simulation<unknown, unknown>): void {
    this.sim = sim;
  }

  /** A probe that does the reading and passes every call on to `inner`. */
  probe(inner: HandlerProbe | undefined): HandlerProbe {
    return {
      enter: (node, handler, t) => {
        inner?.enter(node, handler, t); // may stop the run: then no exit follows
        const sim = this.sim;
        // The simulator records a handler's event just before it runs the handler.
        if (sim) this.open.push({ node, index: sim.trace.count - 1 });
      },
      exit: () => {
        try {
          const h = this.open.pop();
          if (h) this.record(h.node, h.index);
        } finally {
          inner?.exit();
        }
      },
    };
  }

  private record(node: NodeId, index: number): void {
    const sim = this.sim;
    const inst = sim?.node(node);
    if (!sim || inst === undefined) return; // the handler threw and the node is down
    this.states.set(index, readNodeState(this.read, inst));
    if (this.states.size > 2 * this.keep) this.prune(sim.trace.count - this.keep);
  }

  private prune(from: number): void {
    for (const k of this.states.keys()) {
      if (k >= from) break;
      this.states.delete(k);
    }
  }

  /** The state recorded after event `index`, if any. */
  stateAt(index: number): NodeState | undefined {
    return this.states.get(index);
  }

  /** `file` with every event that ran a handler carrying what its node reported afterwards. */
  annotate(file: TraceFile): TraceFile {
    if (this.states.size === 0) return file;
    const events = file.events.map((e: TraceEvent) => {
      const state = this.states.get(e.i);
      return state === undefined ? e : { ...e, state };
    });
    return { ...file, events };
  }
}
