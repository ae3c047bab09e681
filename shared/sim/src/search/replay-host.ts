/**
 * States by replay, for nodes whose state holds closures (a pending request's callback, say):
 * such a state cannot be copied, because what a closure captured (often `this`) is invisible
 * to reflection. Instead of copying, a node's state in a world is the inputs it handled since
 * its start; to take an event from that world, a fresh node is started and the inputs are run
 * again, in order, with the same timer handles and random seeds, then the event itself runs on
 * the rebuilt node. This is how stateless model checkers rebuild states (Godefroid, VeriSoft,
 * POPL 1997); handlers must be deterministic, which the search already asks of them.
 *
 * The price: a step costs the node's whole input history instead of one handler call, and a
 * fingerprint leaves the closures' captured variables out (a function counts as its name), so
 * two states that differ only inside closures count as one. Data the closures act on must
 * therefore also be in fields (a request id, the phase's key), as it is in code that keeps a
 * table of pending requests.
 */
import { hashString } from "../random.ts";
import type { NodeId } from "../types.ts";
import type { HandlerResult, PendingHandles, SearchHost } from "./world.ts";

/** One input a node handled: a message or a timer, with the timer handles in use then. */
type Input =
  | { readonly kind: "msg"; readonly from: NodeId; readonly text: string; readonly pending: readonly number[] }
  | { readonly kind: "timer"; readonly tag: string; readonly pending: readonly number[] };

/** A node's state by replay: how it started, what it handled since, and the live result. */
export interface ReplayState<S> {
  readonly peers: readonly NodeId[];
  readonly disk: ReadonlyMap<string, string>;
  readonly inputs: readonly Input[];
  /** The seed of env.random() for each input (a hash of everything before it). */
  readonly seeds: readonly number[];
  /** The node after the last input: read by invariants and fingerprinted, never run again. */
  readonly live: S;
}

function inputText(i: Input): string {
  return i.kind === "msg" ? `msg|${i.from}|${i.text}` : `timer|${i.tag}`;
}

export function replayingHost<S>(inner: SearchHost<S>): SearchHost<ReplayState<S>> {
  // A world keeps the states of the nodes an event did not touch: each is fingerprinted once.
  const prints = new WeakMap<ReplayState<S>, string>();
  const start = (id: NodeId, peers: readonly NodeId[], disk: ReadonlyMap<string, string>) =>
    inner.boot(id, peers, disk, new Set());
  const run = (id: NodeId, state: S, input: Input, seed: number): HandlerResult<S> => {
    const pending = new Set(input.pending);
    return input.kind === "msg"
      ? inner.deliver(id, state, input.from, input.text, pending, { seed })
      : inner.fire(id, state, input.tag, pending, { seed });
  };
  /** A fresh node with every input of `s` handled again: the state `s` stands for, to change. */
  const rebuild = (id: NodeId, s: ReplayState<S>): S => {
    const booted = start(id, s.peers, s.disk);
    if (booted.error) throw notDeterministic(id, "start(env)", booted.error);
    let state = booted.state;
    s.inputs.forEach((input, k) => {
      const r = run(id, state, input, s.seeds[k] as number);
      if (r.error) throw notDeterministic(id, inputText(input), r.error);
      state = r.state;
    });
    return state;
  };
  const step = (id: NodeId, s: ReplayState<S>, input: Input): HandlerResult<ReplayState<S>> => {
    const seed = hashString(`${s.seeds.at(-1) ?? hashString(`${id}|${[...s.disk].join(";")}`)}|${inputText(input)}`);
    const r = run(id, rebuild(id, s), input, seed);
    const state: ReplayState<S> = {
      peers: s.peers,
      disk: s.disk,
      inputs: [...s.inputs, input],
      seeds: [...s.seeds, seed],
      live: r.state,
    };
    return { state, effects: r.effects, ...(r.error ? { error: r.error } : {}) };
  };
  return {
    boot(id, peers, disk, _pending: PendingHandles) {
      const r = start(id, peers, disk);
      const state: ReplayState<S> = { peers: [...peers], disk: new Map(disk), inputs: [], seeds: [], live: r.state };
      return { state, effects: r.effects, ...(r.error ? { error: r.error } : {}) };
    },
    deliver: (id, s, from, text, pending) => step(id, s, { kind: "msg", from, text, pending: [...pending] }),
    fire: (id, s, tag, pending) => step(id, s, { kind: "timer", tag, pending: [...pending] }),
    fingerprint: (id, s) => {
      let fp = prints.get(s);
      if (fp === undefined) {
        fp = inner.fingerprint(id, s.live, true);
        prints.set(s, fp);
      }
      return fp;
    },
    view: (id, s) => inner.view(id, s.live),
  };
}

function notDeterministic(id: NodeId, what: string, err: Error): Error {
  return new Error(
    `search: ${id} threw while its inputs were replayed (${what}: ${err.name}: ${err.message}), although it did not the first time: its handlers depend on something outside their state and the event`,
  );
}
