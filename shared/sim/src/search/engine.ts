/**
 * Exhaustive search over a small configuration (in the manner of DSLabs' search tests): from
 * the booted nodes, take every enabled event (deliver any message in flight, drop or duplicate
 * it where the search allows, fire any pending timer, crash or restart a node where allowed),
 * check every invariant in every world reached, and explore each distinct world once.
 * Breadth-first search gives the shortest event sequence to a violation; random depth-first
 * walks (seeded) reach deeper worlds sooner. Budgets are explicit: a search that runs out of
 * its state budget fails loudly instead of passing.
 */
import { createHash } from "node:crypto";
import { Rng } from "../random.ts";
import { replayingHost } from "./replay-host.ts";
import type { NodeId } from "../types.ts";
import {
  applyEffects,
  type ClientOp,
  type ClientProgress,
  type ClientScript,
  compareInFlight,
  durableDisk,
  currentDisk,
  sameInFlight,
  withMessage,
  withoutMessage,
  type Effect,
  type HandlerResult,
  type InFlight,
  type SearchEvent,
  type SearchHost,
  type Slot,
  type World,
} from "./world.ts";

/** What invariants, goals and prunes read of a world. */
export interface SearchView {
  readonly nodes: readonly NodeId[];
  /** The node as the host shows it (undefined while it is down). */
  node<T = unknown>(id: NodeId): T | undefined;
  isUp(id: NodeId): boolean;
  /** Messages between nodes in flight (JSON text). */
  readonly network: readonly InFlight[];
  /** Messages nodes sent to clients so far. */
  readonly outputs: readonly InFlight[];
  /** Events taken from the initial world. */
  readonly depth: number;
  /** The scripted clients' requests sent so far, with their order and answers. */
  readonly clients: readonly ClientView[];
}

/** A scripted client's request that was sent, as invariants see it. */
export interface ClientRequestView {
  readonly client: NodeId;
  /** Its position in the client's script. */
  readonly index: number;
  readonly to: NodeId;
  readonly text: string;
  /** How many requests of each client (by id) were answered when this one was sent. */
  readonly sentAfter: Readonly<Record<NodeId, number>>;
  /** The answer's JSON text, once it arrived. */
  readonly answer: string | undefined;
}

export interface ClientView {
  readonly id: NodeId;
  /** Its requests sent so far, in order (the last one may still wait for its answer). */
  readonly requests: readonly ClientRequestView[];
  /** Every request of its script was answered. */
  readonly finished: boolean;
}

/** A named predicate over worlds: an invariant's check returns why it is broken, or undefined. */
export interface WorldCheck {
  name: string;
  check(view: SearchView): string | undefined;
}
/** A named condition (a goal to reach, or worlds not worth expanding). */
export interface WorldPredicate {
  name: string;
  test(view: SearchView): boolean;
}

export interface SearchFaults {
  /** The network may lose any message. */
  drop?: boolean;
  /** The network may deliver a message and keep a copy in flight. */
  duplicate?: boolean;
  /** Nodes that may crash (and restart with their synced disk), and how many crashes in all. */
  crash?: { nodes: readonly NodeId[]; max: number };
  /** The messages loss and duplication apply to (default all): e.g. only those between nodes. */
  on?: (m: InFlight) => boolean;
}

/**
 * Liveness after healing, checked from every world: restart every down node, then run `rounds`
 * fair rounds with no faults (deliver everything in flight, then fire every pending timer once);
 * `check` must hold after one of them. "Replicas converge once the network heals", from every
 * world the faults can lead to.
 */
export interface SettleCheck {
  name: string;
  rounds: number;
  check(view: SearchView): string | undefined;
}

export interface SearchLimits {
  /** Worlds deeper than this (in events) are checked but not expanded: the search is bounded. */
  maxDepth: number;
  /** Distinct worlds the search may reach; more is a `SearchBudgetExceeded`. */
  maxStates: number;
}

export type SearchStrategy = { kind: "bfs" } | { kind: "random-dfs"; seed: number; walks: number };

export interface SearchConfig<S> {
  nodes: readonly NodeId[];
  host: SearchHost<S>;
  /** Messages in flight at the start (clients' requests): from a client to a node. */
  initial?: readonly InFlight[];
  /**
   * Clients that send their requests one at a time, each once the previous one was answered
   * (see ClientScript). Their first requests are in flight at the start.
   */
  clientScripts?: readonly ClientScript[];
  faults?: SearchFaults;
  /** Which pending timers may fire (default all): e.g. leave a client's retry timer out. */
  timerEnabled?: (node: NodeId, tag: string) => boolean;
  invariants: readonly WorldCheck[];
  /** Reaching a goal ends the search with outcome "goal". */
  goals?: readonly WorldPredicate[];
  /** Worlds that satisfy a prune are checked but not expanded. */
  prunes?: readonly WorldPredicate[];
  limits: SearchLimits;
  strategy?: SearchStrategy;
  settle?: SettleCheck;
  /**
   * Rebuild node states by replaying their inputs instead of copying them (see
   * replay-host.ts): for nodes whose state holds closures, such as callbacks of pending
   * requests. Slower, and closures are left out of fingerprints.
   */
  replayStates?: boolean;
}

/** The events from the initial world to where the search stopped, with what broke. */
export interface Counterexample {
  kind: "violation" | "goal";
  /** The invariant broken ("a handler threw" for an exception), or the goal reached. */
  name: string;
  message: string;
  events: SearchEvent[];
}

export interface SearchResult {
  /**
   * violation: an invariant broke (see counterexample); goal: a goal was reached; exhausted:
   * every world was explored; bounded: every world up to maxDepth was explored.
   */
  outcome: "violation" | "goal" | "exhausted" | "bounded";
  /** Distinct worlds reached. */
  states: number;
  /** Worlds whose events were taken. */
  expanded: number;
  /** Deepest world reached, in events. */
  depth: number;
  wallMs: number;
  counterexample?: Counterexample;
}

/** A search ran out of its state budget: neither a pass nor a violation. */
export class SearchBudgetExceeded extends Error {
  constructor(
    readonly states: number,
    readonly depth: number,
    readonly limits: SearchLimits,
  ) {
    super(
      `the search reached its budget of ${limits.maxStates.toLocaleString("en-US")} distinct states at depth ${depth} of ${limits.maxDepth} without finding a violation or exploring everything: no verdict. Lower maxDepth, allow fewer faults, or prune worlds that do not matter`,
    );
    this.name = "SearchBudgetExceeded";
  }
}

/** Errors that mean "the learner has not written this yet": they leave the search as they are. */
function notStarted(err: Error): boolean {
  return err.name === "NotImplemented" || /is not implemented yet \(TODO\)/.test(err.message);
}

interface Entry<S> {
  world: World<S>;
  parent: Entry<S> | undefined;
  event: SearchEvent | undefined;
  depth: number;
}

/** A world's identity: nodes' states and timers, disks, what is in flight and what clients got. */
export function worldKey<S>(host: SearchHost<S>, w: World<S>): string {
  const h = createHash("sha1");
  for (const [id, s] of w.slots) {
    h.update(`\u0001${id}:${s.up ? "up" : "down"}\u0002`);
    if (s.state !== undefined) h.update(host.fingerprint(id, s.state));
    h.update("\u0002");
    // A timer's delay does not count: a search fires any pending timer at any point.
    for (const t of s.timers) h.update(`${t.handle}/${t.tag};`);
    h.update("\u0002");
    for (const [k, v] of s.disk) h.update(`${k}=${v};`);
    h.update("\u0002");
    for (const [k, v] of s.unsynced) h.update(`${k}=${v ?? "\u0000"};`);
  }
  for (const m of w.network) h.update(`\u0003${m.from}>${m.to}:${m.text}`);
  h.update("\u0004");
  for (const m of w.outputs) h.update(`\u0003${m.from}>${m.to}:${m.text}`);
  h.update(`\u0004${w.crashes}`);
  // Client progress: two worlds whose clients are at different requests (or sent them after
  // different answers) are different histories, even when the nodes look the same.
  for (const c of w.clients) h.update(`\u0005${c.answered}:${c.sentAfter.map((v) => v.join(",")).join("/")}`);
  return h.digest("base64");
}

/** A world after one event, with the effects of the handler the event ran (if any). */
export interface Stepped<S> {
  world: World<S>;
  effects: readonly Effect[];
  /** Requests scripted clients sent because this event delivered their answers. */
  sent?: readonly InFlight[];
  error?: Error;
}

/** Whether `reply` answers `op`: the op's own test, else JSON with the request's `id`. */
function answerTest(op: ClientOp): (reply: string) => boolean {
  if (op.isAnswer) return op.isAnswer;
  let id: unknown;
  try {
    id = (JSON.parse(op.text) as { id?: unknown } | null)?.id;
  } catch {
    id = undefined;
  }
  if (id === undefined)
    throw new Error(`search: the client request ${op.text} has no "id" field: give it an isAnswer test`);
  return (reply) => {
    try {
      return (JSON.parse(reply) as { id?: unknown } | null)?.id === id;
    } catch {
      return false;
    }
  };
}

/** Runs events on worlds for one configuration (shared by the search and by replay). */
export class WorldStepper<S> {
  /** The configuration's host, or a replaying host around it (replayStates). */
  readonly host: SearchHost<S>;
  private readonly nodeSet: ReadonlySet<NodeId>;
  private readonly scripts: readonly ClientScript[];
  private readonly answers: ReadonlyArray<ReadonlyArray<(reply: string) => boolean>>;
  constructor(private readonly config: SearchConfig<S>) {
    this.host = config.replayStates ? (replayingHost(config.host) as unknown as SearchHost<S>) : config.host;
    this.nodeSet = new Set(config.nodes);
    this.scripts = config.clientScripts ?? [];
    for (const c of this.scripts) {
      if (this.nodeSet.has(c.id)) throw new Error(`search: client ${c.id} has the name of a node`);
      for (const op of c.ops)
        if (!this.nodeSet.has(op.to)) throw new Error(`search: client ${c.id} sends to ${op.to}, which is no node`);
    }
    this.answers = this.scripts.map((c) => c.ops.map(answerTest));
  }

  /**
   * Every node booted, the initial messages and each scripted client's first request in
   * flight (`sent`). A throw in start is returned as `error`.
   */
  initial(): {
    world: World<S>;
    boots: Array<readonly Effect[]>;
    sent: readonly InFlight[];
    error?: { node: NodeId; error: Error };
  } {
    const boots: Array<readonly Effect[]> = [];
    let world: World<S> = {
      slots: new Map(
        this.config.nodes.map((id) => [id, { up: true, state: undefined, timers: [], disk: [], unsynced: [] }]),
      ),
      network: [...(this.config.initial ?? [])].sort(compareInFlight),
      outputs: [],
      crashes: 0,
      clients: this.scripts.map(() => ({ answered: 0, sentAfter: [], answers: [] })),
    };
    const first = this.advance(world);
    world = first.world;
    for (const id of this.config.nodes) {
      const r = this.boot(world, id);
      world = r.world;
      boots.push(r.effects);
      if (r.error) return { world, boots, sent: first.sent, error: { node: id, error: r.error } };
    }
    return { world, boots, sent: first.sent };
  }

  /**
   * Scripted clients take the answers that arrived, then send their next request: a client
   * whose request was answered sends the next one of its script (recording how far every
   * client was at that moment).
   */
  private advance(w: World<S>): { world: World<S>; sent: InFlight[] } {
    if (this.scripts.length === 0) return { world: w, sent: [] };
    let changed = false;
    const clients: ClientProgress[] = w.clients.map((c, i) => {
      const script = this.scripts[i] as ClientScript;
      if (c.answered >= c.sentAfter.length) return c; // nothing outstanding
      const isAnswer = (this.answers[i] as ReadonlyArray<(reply: string) => boolean>)[c.answered] as (
        reply: string,
      ) => boolean;
      const reply = w.outputs.find((m) => m.to === script.id && isAnswer(m.text));
      if (!reply) return c;
      changed = true;
      return { ...c, answered: c.answered + 1, answers: [...c.answers, reply.text] };
    });
    const counts = clients.map((c) => c.answered);
    let network = w.network;
    const sent: InFlight[] = [];
    clients.forEach((c, i) => {
      const script = this.scripts[i] as ClientScript;
      if (c.answered < c.sentAfter.length || c.answered >= script.ops.length) return;
      const op = script.ops[c.answered] as ClientOp;
      const m = { from: script.id, to: op.to, text: op.text };
      network = withMessage(network, m, this.config.faults?.duplicate === true);
      sent.push(m);
      clients[i] = { ...c, sentAfter: [...c.sentAfter, counts] };
      changed = true;
    });
    return changed ? { world: { ...w, network, clients }, sent } : { world: w, sent };
  }

  private peers(id: NodeId): NodeId[] {
    return this.config.nodes.filter((n) => n !== id);
  }

  private slot(w: World<S>, id: NodeId): Slot<S> {
    const s = w.slots.get(id);
    if (!s) throw new Error(`search: unknown node ${id}`);
    return s;
  }

  private handles(slot: Slot<S>): Set<number> {
    return new Set(slot.timers.map((t) => t.handle));
  }

  private boot(w: World<S>, id: NodeId): Stepped<S> {
    const slot = this.slot(w, id);
    const fresh: Slot<S> = { up: true, state: undefined, timers: [], disk: slot.disk, unsynced: [] };
    const r = this.host.boot(id, this.peers(id), durableDisk(fresh), new Set());
    return this.after(w, id, fresh, r);
  }

  private after(w: World<S>, id: NodeId, slot: Slot<S>, r: HandlerResult<S>): Stepped<S> {
    const out = applyEffects(this.nodeSet, slot, r.state, r.effects, w, id, this.config.faults?.duplicate === true);
    const slots = new Map(w.slots);
    slots.set(id, out.slot);
    const moved = this.advance({ ...w, slots, network: out.network, outputs: out.outputs });
    const sent = moved.sent.length > 0 ? { sent: moved.sent } : {};
    return r.error
      ? { world: moved.world, effects: r.effects, ...sent, error: r.error }
      : { world: moved.world, effects: r.effects, ...sent };
  }

  /** The events enabled in `w`, in a fixed order. */
  enabled(w: World<S>): SearchEvent[] {
    const f = this.config.faults ?? {};
    const out: SearchEvent[] = [];
    let prev: InFlight | undefined;
    for (const m of w.network) {
      if (prev && sameInFlight(prev, m)) continue; // either copy gives the same world
      prev = m;
      const faulty = !f.on || f.on(m);
      if (!this.slot(w, m.to).up) {
        if (f.drop && faulty) out.push({ kind: "drop", ...m });
        continue;
      }
      out.push({ kind: "deliver", ...m });
      if (f.duplicate && faulty) out.push({ kind: "deliver", ...m, keep: true });
      if (f.drop && faulty) out.push({ kind: "drop", ...m });
    }
    for (const [id, s] of w.slots) {
      if (!s.up) continue;
      for (const t of s.timers)
        if (!this.config.timerEnabled || this.config.timerEnabled(id, t.tag))
          out.push({ kind: "timer", node: id, handle: t.handle, tag: t.tag });
    }
    if (f.crash && w.crashes < f.crash.max)
      for (const id of f.crash.nodes) if (this.slot(w, id).up) out.push({ kind: "crash", node: id });
    if (f.crash) for (const [id, s] of w.slots) if (!s.up) out.push({ kind: "restart", node: id });
    return out;
  }

  /** The world after `e` (which must be enabled in `w`); a handler's throw comes back as `error`. */
  step(w: World<S>, e: SearchEvent): Stepped<S> {
    const host = this.host;
    switch (e.kind) {
      case "deliver": {
        const m = { from: e.from, to: e.to, text: e.text };
        const base = e.keep ? w : { ...w, network: withoutMessage(w.network, m) };
        const slot = this.slot(w, e.to);
        if (!slot.up || slot.state === undefined)
          throw new Error(`search: ${e.to} is down, nothing can be delivered to it`);
        return this.after(base, e.to, slot, host.deliver(e.to, slot.state, e.from, e.text, this.handles(slot)));
      }
      case "drop":
        return { world: { ...w, network: withoutMessage(w.network, e) }, effects: [] };
      case "timer": {
        const slot = this.slot(w, e.node);
        if (!slot.up || slot.state === undefined) throw new Error(`search: ${e.node} is down, its timers cannot fire`);
        const rest = { ...slot, timers: slot.timers.filter((t) => t.handle !== e.handle) };
        return this.after(w, e.node, rest, host.fire(e.node, slot.state, e.tag, this.handles(rest)));
      }
      case "crash": {
        const slots = new Map(w.slots);
        const slot = this.slot(w, e.node);
        slots.set(e.node, { up: false, state: undefined, timers: [], disk: slot.disk, unsynced: [] });
        return { world: { ...w, slots, crashes: w.crashes + 1 }, effects: [] };
      }
      case "restart":
        return this.boot(w, e.node);
    }
  }

  /**
   * Heal and run fair rounds from `w` (see SettleCheck): undefined once `check` holds, else why
   * it still does not after the last round (or what a handler threw).
   */
  settle(w: World<S>, depth: number, settle: SettleCheck): string | undefined {
    let world = w;
    for (const [id, s] of world.slots)
      if (!s.up) {
        const r = this.boot(world, id);
        if (r.error) return `${id} threw while restarting: ${r.error.name}: ${r.error.message}`;
        world = r.world;
      }
    let why = settle.check(this.view(world, depth));
    for (let round = 0; round < settle.rounds && why !== undefined; round++) {
      for (const m of world.network) {
        const r = this.step(world, { kind: "deliver", ...m });
        if (r.error) return `${m.to} threw while healing: ${r.error.name}: ${r.error.message}`;
        world = r.world;
      }
      for (const [id, s] of world.slots)
        for (const t of s.timers) {
          if (this.config.timerEnabled && !this.config.timerEnabled(id, t.tag)) continue;
          const r = this.step(world, { kind: "timer", node: id, handle: t.handle, tag: t.tag });
          if (r.error) return `${id} threw while healing: ${r.error.name}: ${r.error.message}`;
          world = r.world;
        }
      why = settle.check(this.view(world, depth));
    }
    return why === undefined
      ? undefined
      : `after healing (every down node restarted, then ${settle.rounds} rounds of delivering every message in flight and firing every pending timer the test lets fire, with no faults): ${why}`;
  }

  view(w: World<S>, depth: number): SearchView {
    const host = this.host;
    return {
      nodes: this.config.nodes,
      node: <T>(id: NodeId) => {
        const s = w.slots.get(id);
        return s?.up && s.state !== undefined ? (host.view(id, s.state) as T) : undefined;
      },
      isUp: (id) => w.slots.get(id)?.up === true,
      network: w.network,
      outputs: w.outputs,
      depth,
      clients: this.clientViews(w),
    };
  }

  private clientViews(w: World<S>): ClientView[] {
    return w.clients.map((c, i) => {
      const script = this.scripts[i] as ClientScript;
      return {
        id: script.id,
        finished: c.answered === script.ops.length,
        requests: c.sentAfter.map((counts, k) => {
          const op = script.ops[k] as ClientOp;
          return {
            client: script.id,
            index: k,
            to: op.to,
            text: op.text,
            sentAfter: Object.fromEntries(this.scripts.map((s, j) => [s.id, counts[j] ?? 0])),
            answer: c.answers[k],
          };
        }),
      };
    });
  }

  /** The disk a node sees now (for graders that look at what was synced). */
  disk(w: World<S>, id: NodeId): Map<string, string> {
    return currentDisk(this.slot(w, id));
  }
}

function threw(node: NodeId | undefined, e: SearchEvent | undefined, err: Error): string {
  const where = node ?? (e ? ("node" in e ? e.node : e.to) : "a node");
  return `${where} threw ${err.name}: ${err.message}`;
}

/** Explore the configuration's worlds (see the module comment). */
export function search<S>(config: SearchConfig<S>): SearchResult {
  const started = performance.now();
  const stepper = new WorldStepper(config);
  const strategy = config.strategy ?? { kind: "bfs" };
  const seen = new Set<string>();
  let expanded = 0;
  let deepest = 0;

  const trace = (en: Entry<S>): SearchEvent[] => {
    const out: SearchEvent[] = [];
    for (let x: Entry<S> | undefined = en; x?.event; x = x.parent) out.push(x.event);
    return out.reverse();
  };
  const done = (outcome: SearchResult["outcome"], counterexample?: Counterexample): SearchResult => ({
    outcome,
    states: seen.size,
    expanded,
    depth: deepest,
    wallMs: performance.now() - started,
    ...(counterexample ? { counterexample } : {}),
  });
  /** A violation or goal in `en`'s world, if any. */
  const judge = (en: Entry<S>, error: Error | undefined): Counterexample | undefined => {
    if (error) {
      if (notStarted(error)) throw error;
      return {
        kind: "violation",
        name: "a handler threw",
        message: threw(undefined, en.event, error),
        events: trace(en),
      };
    }
    const view = stepper.view(en.world, en.depth);
    for (const inv of config.invariants) {
      let msg: string | undefined;
      try {
        msg = inv.check(view);
      } catch (err) {
        if (err instanceof Error && notStarted(err)) throw err;
        msg = `checking it threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
      }
      if (msg !== undefined) return { kind: "violation", name: inv.name, message: msg, events: trace(en) };
    }
    if (config.settle) {
      const why = stepper.settle(en.world, en.depth, config.settle);
      if (why !== undefined) return { kind: "violation", name: config.settle.name, message: why, events: trace(en) };
    }
    for (const g of config.goals ?? [])
      if (g.test(view)) return { kind: "goal", name: g.name, message: `reached: ${g.name}`, events: trace(en) };
    return undefined;
  };
  const pruned = (en: Entry<S>): boolean => {
    const prunes = config.prunes ?? [];
    if (prunes.length === 0) return false;
    const view = stepper.view(en.world, en.depth);
    return prunes.some((p) => p.test(view));
  };
  const remember = (en: Entry<S>): boolean => {
    const key = worldKey(stepper.host, en.world);
    if (seen.has(key)) return false;
    if (seen.size >= config.limits.maxStates) throw new SearchBudgetExceeded(seen.size, deepest, config.limits);
    seen.add(key);
    if (en.depth > deepest) deepest = en.depth;
    return true;
  };

  const init = stepper.initial();
  const root: Entry<S> = { world: init.world, parent: undefined, event: undefined, depth: 0 };
  if (init.error) {
    if (notStarted(init.error.error)) throw init.error.error;
    return done("violation", {
      kind: "violation",
      name: "a handler threw",
      message: threw(init.error.node, undefined, init.error.error),
      events: [],
    });
  }
  remember(root);
  const first = judge(root, undefined);
  if (first) return done(first.kind, first);

  if (strategy.kind === "bfs") {
    let frontier: Entry<S>[] = [root];
    let bounded = false;
    while (frontier.length > 0) {
      const next: Entry<S>[] = [];
      for (const en of frontier) {
        if (en.depth >= config.limits.maxDepth) {
          bounded = true;
          continue;
        }
        if (pruned(en)) continue;
        expanded++;
        for (const e of stepper.enabled(en.world)) {
          const r = stepper.step(en.world, e);
          const child: Entry<S> = { world: r.world, parent: en, event: e, depth: en.depth + 1 };
          if (!r.error && !remember(child)) continue;
          const verdict = judge(child, r.error);
          if (verdict) return done(verdict.kind, verdict);
          next.push(child);
        }
      }
      frontier = next;
    }
    return done(bounded ? "bounded" : "exhausted");
  }

  // Random walks from the initial world, each to maxDepth or a world with nothing enabled.
  const rng = new Rng(strategy.seed, "search");
  for (let walk = 0; walk < strategy.walks; walk++) {
    let en = root;
    while (en.depth < config.limits.maxDepth && !pruned(en)) {
      const events = stepper.enabled(en.world);
      if (events.length === 0) break;
      expanded++;
      const e = events[rng.int(events.length)] as SearchEvent;
      const r = stepper.step(en.world, e);
      en = { world: r.world, parent: en, event: e, depth: en.depth + 1 };
      if (!r.error) {
        const key = worldKey(stepper.host, en.world);
        if (!seen.has(key)) {
          if (seen.size >= config.limits.maxStates) throw new SearchBudgetExceeded(seen.size, deepest, config.limits);
          seen.add(key);
        }
        if (en.depth > deepest) deepest = en.depth;
      }
      const verdict = judge(en, r.error);
      if (verdict) return done(verdict.kind, verdict);
    }
  }
  return done("bounded");
}

export interface Replayed<S> {
  /** The initial world, then the world after each event. */
  worlds: World<S>[];
  /** What each event's handler did. */
  effects: Array<readonly Effect[]>;
  /** Requests scripted clients sent after each event (index 0: the first ones, at the start). */
  clientSends: Array<readonly InFlight[]>;
  /** What each node's start(env) did, in node order. */
  boots: Array<readonly Effect[]>;
  stepper: WorldStepper<S>;
  /** A handler threw at event `at` (0: while booting). */
  error?: { at: number; error: Error };
}

/** The worlds a sequence of events goes through, from the initial one (for replay and views). */
export function replayEvents<S>(config: SearchConfig<S>, events: readonly SearchEvent[]): Replayed<S> {
  const stepper = new WorldStepper(config);
  const init = stepper.initial();
  const worlds = [init.world];
  const effects: Array<readonly Effect[]> = [];
  const clientSends: Array<readonly InFlight[]> = [init.sent];
  const boots = init.boots;
  if (init.error) return { worlds, effects, clientSends, boots, stepper, error: { at: 0, error: init.error.error } };
  let w = init.world;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as SearchEvent;
    const ok = stepper.enabled(w).some((x) => JSON.stringify(x) === JSON.stringify(e));
    if (!ok)
      throw new Error(
        `replay: event ${i + 1} (${describeSearchEvent(e)}) is not possible at that point: the implementation or the test changed since the counterexample was saved`,
      );
    const r = stepper.step(w, e);
    w = r.world;
    worlds.push(w);
    effects.push(r.effects);
    clientSends.push(r.sent ?? []);
    if (r.error) return { worlds, effects, clientSends, boots, stepper, error: { at: i + 1, error: r.error } };
  }
  return { worlds, effects, clientSends, boots, stepper };
}

function clip(text: string, n = 100): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

/** One event in words: "n2 receives {"type":"gossip",…} from n1 (a copy stays in flight)". */
export function describeSearchEvent(e: SearchEvent): string {
  switch (e.kind) {
    case "deliver":
      return `${e.to} receives ${clip(e.text)} from ${e.from}${e.keep ? " (the network keeps a copy: a duplicate may follow)" : ""}`;
    case "drop":
      return `the network loses ${clip(e.text)} from ${e.from} to ${e.to}`;
    case "timer":
      return `${e.node}'s timer ${clip(e.tag, 40)} fires`;
    case "crash":
      return `${e.node} crashes (unsynced writes lost)`;
    case "restart":
      return `${e.node} restarts from its disk`;
  }
}

/** A counterexample as numbered lines a learner can follow. */
export function formatCounterexample(c: Counterexample): string {
  const head =
    c.kind === "violation"
      ? `${c.name} is broken after ${c.events.length} event${c.events.length === 1 ? "" : "s"} (the shortest such sequence when found breadth-first):`
      : `${c.name}: reached after ${c.events.length} events:`;
  const lines = c.events.map((e, i) => `  ${String(i + 1).padStart(3)}. ${describeSearchEvent(e)}`);
  if (lines.length === 0) lines.push("    (right after every node's start(env))");
  return [head, ...lines, `  => ${c.message}`].join("\n");
}
