/**
 * Nodes run in this process for a search: each state is a copy of the node object (see
 * copyable.ts), and each node has one `env` for its whole life whose effects go to the handler
 * call running now. Used by the simulator's own tests and by graders of code that is trusted.
 * Learner code runs in its own contexts instead (the grading runtime's host).
 *
 * A search has no clock: `env.now()` is 0 and any pending timer may fire. `env.random()` is a
 * stream seeded by the state and the event, so a state and an event always lead to one state.
 */
import { hashString, Rng } from "../random.ts";
import type { Env, Node, NodeId } from "../types.ts";
import { copyable } from "./copyable.ts";
import type { Effect, HandlerResult, InPlace, PendingHandles, SearchHost } from "./world.ts";

/** A node's state in an in-process search: the node and the disk it sees. */
export interface InProcessState {
  readonly node: Node<unknown, unknown>;
  /** Key -> JSON text, synced or not (the world keeps what survives a crash). */
  readonly disk: ReadonlyMap<string, string>;
}

interface Call {
  effects: Effect[];
  disk: Map<string, string>;
  pending: Set<number>;
  random: (() => number) | undefined;
  seedText: () => string;
}

export function inProcessHost(factory: (id: NodeId) => Node<unknown, unknown>): SearchHost<InProcessState> {
  let call: Call | undefined;
  const envs = new Map<NodeId, Env<unknown, unknown>>();
  const kept = new Set<unknown>();
  const active = (api: string): Call => {
    if (!call) throw new Error(`${api} was called outside a handler: handlers are synchronous`);
    return call;
  };
  const envOf = (id: NodeId, peers: readonly NodeId[]): Env<unknown, unknown> => {
    let env = envs.get(id);
    if (env) return env;
    const disk = Object.freeze({
      read: <T>(key: string) => {
        const v = active("env.disk.read").disk.get(key);
        return v === undefined ? undefined : (JSON.parse(v) as T);
      },
      write: (key: string, value: unknown) => {
        const c = active("env.disk.write");
        const text = JSON.stringify(value);
        if (text === undefined) throw new TypeError(`${id}: env.disk.write needs a JSON-serializable value`);
        c.disk.set(key, text);
        c.effects.push({ kind: "write", key, text });
      },
      delete: (key: string) => {
        const c = active("env.disk.delete");
        c.disk.delete(key);
        c.effects.push({ kind: "delete", key });
      },
      keys: () => [...active("env.disk.keys").disk.keys()],
      sync: () => void active("env.disk.sync").effects.push({ kind: "sync" }),
    });
    env = Object.freeze({
      id,
      peers: Object.freeze([...peers]),
      send: (to: NodeId, msg: unknown) => {
        const text = JSON.stringify(msg);
        if (text === undefined) throw new TypeError(`${id}: env.send needs a JSON-serializable message`);
        active("env.send").effects.push({ kind: "send", to, text });
      },
      now: () => 0,
      setTimer: (ms: number, tag: unknown) => {
        const c = active("env.setTimer");
        let handle = 1;
        while (c.pending.has(handle)) handle++;
        c.pending.add(handle);
        c.effects.push({ kind: "timer", handle, ms, tag: JSON.stringify(tag) ?? "null" });
        return handle;
      },
      cancelTimer: (handle: number) => {
        const c = active("env.cancelTimer");
        c.pending.delete(handle);
        c.effects.push({ kind: "cancel", handle });
      },
      random: () => {
        const c = active("env.random");
        if (!c.random) {
          const rng = new Rng(hashString(c.seedText()), id);
          c.random = () => rng.next();
        }
        return c.random();
      },
      disk,
      log: (...args: unknown[]) =>
        void active("env.log").effects.push({ kind: "log", text: args.map((a) => String(a)).join(" ") }),
    }) as Env<unknown, unknown>;
    envs.set(id, env);
    kept.add(env);
    kept.add(env.peers);
    kept.add(disk);
    return env;
  };
  const fingerprint = (id: NodeId, s: InProcessState, opaque?: boolean): string =>
    `${copyable.fingerprint(s.node, kept, id, opaque)}|${[...s.disk].sort().join(";")}`;
  const run = (
    id: NodeId,
    node: Node<unknown, unknown>,
    disk: Map<string, string>,
    pending: PendingHandles,
    seedText: () => string,
    handler: (n: Node<unknown, unknown>) => void,
  ): HandlerResult<InProcessState> => {
    const c: Call = { effects: [], disk, pending: new Set(pending), random: undefined, seedText };
    call = c;
    let error: Error | undefined;
    try {
      handler(node);
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
    } finally {
      call = undefined;
    }
    return { state: { node, disk }, effects: c.effects, ...(error ? { error } : {}) };
  };
  // A handler on a copy of the state it starts from (the search takes other events from it
  // too), or on the state itself when it was rebuilt by replay for this one call.
  const runOnCopy = (
    id: NodeId,
    state: InProcessState,
    pending: Parameters<typeof run>[3],
    event: string,
    handler: Parameters<typeof run>[5],
    inPlace: InPlace | undefined,
  ) =>
    inPlace
      ? run(id, state.node, new Map(state.disk), pending, () => `seed:${inPlace.seed}`, handler)
      : run(
          id,
          copyable.copy(state.node, kept, id),
          new Map(state.disk),
          pending,
          () => `${fingerprint(id, state)}|${event}`,
          handler,
        );
  return {
    boot(id, peers, disk, pending) {
      const env = envOf(id, peers);
      const node = factory(id);
      return run(
        id,
        node,
        new Map(disk),
        pending,
        () => `boot:${[...disk].join(";")}`,
        (n) => n.start(env),
      );
    },
    deliver: (id, state, from, text, pending, inPlace) =>
      runOnCopy(
        id,
        state,
        pending,
        `${from}|${text}`,
        (n) => (n.onMessageText ? n.onMessageText(from, text) : n.onMessage(from, JSON.parse(text))),
        inPlace,
      ),
    fire: (id, state, tag, pending, inPlace) =>
      runOnCopy(id, state, pending, `timer|${tag}`, (n) => n.onTimer(JSON.parse(tag)), inPlace),
    fingerprint,
    view: (_id, s) => s.node,
  };
}
