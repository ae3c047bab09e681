/**
 * What an exhaustive search explores: a world is the nodes' states, their pending timers and
 * disks, and the messages in flight, with no clock (any pending timer may fire next, any message
 * may arrive next). Worlds are values: an event gives a new world and leaves the old one as it
 * was, so the search can take another event from the same world.
 */
import type { NodeId } from "../types.ts";

/** A message on the wire, as its JSON text. */
export interface InFlight {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly text: string;
}

export interface PendingTimer {
  readonly handle: number;
  /** The tag as JSON text. */
  readonly tag: string;
  readonly ms: number;
}

/** One step of a search: what happened to the world. */
export type SearchEvent =
  /** `to` handles the message; with `keep`, a copy stays in flight (the network duplicated it). */
  | { kind: "deliver"; from: NodeId; to: NodeId; text: string; keep?: boolean }
  | { kind: "drop"; from: NodeId; to: NodeId; text: string }
  | { kind: "timer"; node: NodeId; handle: number; tag: string }
  | { kind: "crash"; node: NodeId }
  | { kind: "restart"; node: NodeId };

/** What a node's handler did, in order (the same effects the simulator applies). */
export type Effect =
  | { kind: "send"; to: NodeId; text: string }
  | { kind: "timer"; handle: number; ms: number; tag: string }
  | { kind: "cancel"; handle: number }
  | { kind: "write"; key: string; text: string }
  | { kind: "delete"; key: string }
  | { kind: "sync" }
  | { kind: "log"; text: string };

export interface HandlerResult<S> {
  /** The node's state after the handler (a new value; the state handed in is unchanged). */
  state: S;
  effects: Effect[];
  /** What the handler threw, if it did (effects before the throw still happened). */
  error?: Error;
}

/**
 * How a search runs nodes: in this process (`inProcessHost`), or in learner contexts (the
 * grading runtime). A host never changes a state it is given: it copies it first.
 */
export interface SearchHost<S> {
  /** A new incarnation of `id` after start(env), reading `disk` (key -> JSON text). */
  boot(
    id: NodeId,
    peers: readonly NodeId[],
    disk: ReadonlyMap<string, string>,
    pending: PendingHandles,
  ): HandlerResult<S>;
  deliver(
    id: NodeId,
    state: S,
    from: NodeId,
    text: string,
    pending: PendingHandles,
    inPlace?: InPlace,
  ): HandlerResult<S>;
  fire(id: NodeId, state: S, tag: string, pending: PendingHandles, inPlace?: InPlace): HandlerResult<S>;
  /**
   * Canonical text of a state: equal states, equal text. With `opaqueFunctions`, functions in
   * the state count by name instead of failing the copyable-state rule (states by replay).
   */
  fingerprint(id: NodeId, state: S, opaqueFunctions?: boolean): string;
  /** What invariants see of a node in this state (the node object, or a proxy of it). */
  view(id: NodeId, state: S): unknown;
}

/**
 * Run a handler on the state itself instead of on a copy (the state is changed and must not be
 * used again), with `env.random()` seeded by `seed`. For states rebuilt by replaying a node's
 * inputs (see replayingHost), which never need a copy.
 */
export interface InPlace {
  readonly seed: number;
}

/**
 * Timer handles in use by a node, so a new timer gets the smallest free one: a timer re-armed
 * every time it fires then leaves the world as it found it, instead of making a new state with
 * a higher handle each round.
 */
export type PendingHandles = ReadonlySet<number>;

export interface Slot<S> {
  readonly up: boolean;
  readonly state: S | undefined;
  readonly timers: readonly PendingTimer[];
  /** Synced disk contents, key -> JSON text, sorted by key. */
  readonly disk: ReadonlyArray<readonly [string, string]>;
  /** Writes (text) and deletes (null) since the last sync, in order: a crash loses them. */
  readonly unsynced: ReadonlyArray<readonly [string, string | null]>;
}

export interface World<S> {
  readonly slots: ReadonlyMap<NodeId, Slot<S>>;
  /** Messages between nodes in flight, sorted (a multiset). */
  readonly network: readonly InFlight[];
  /** Messages nodes sent to clients (anything not a node), sorted: what clients received. */
  readonly outputs: readonly InFlight[];
  readonly crashes: number;
  /** Where each scripted client is (in `clientScripts` order; empty without scripts). */
  readonly clients: readonly ClientProgress[];
}

/**
 * One request of a scripted client: sent to `to` once the client's previous request was
 * answered (the first one at the start).
 */
export interface ClientOp {
  /** The node that coordinates the request. */
  readonly to: NodeId;
  /** The request as JSON text. */
  readonly text: string;
  /**
   * Whether a message a node sent to the client answers this request. Default: it is JSON
   * with the same `id` field as the request.
   */
  readonly isAnswer?: (text: string) => boolean;
}

/**
 * A client that runs its requests one after another, as a real client does: the next request
 * leaves only when the answer to the previous one has arrived. With scripted clients a search
 * can test orders that span requests (a read after a completed write), which requests all in
 * flight from the start cannot.
 */
export interface ClientScript {
  /** The client's endpoint name (not a node). */
  readonly id: NodeId;
  readonly ops: readonly ClientOp[];
}

/**
 * A scripted client's progress: how many of its requests were answered, and for each request
 * sent, how many requests of every client (by index in `clientScripts`) were answered when it
 * left. That is the real-time order between requests (one that was answered before another
 * was sent precedes it), which linearizability needs, and it is part of the world.
 */
export interface ClientProgress {
  readonly answered: number;
  /** Per request sent: every client's `answered` count when it was sent. */
  readonly sentAfter: ReadonlyArray<readonly number[]>;
  /** Per request answered: the answer's JSON text. */
  readonly answers: readonly string[];
}

export function compareInFlight(a: InFlight, b: InFlight): number {
  if (a.from !== b.from) return a.from < b.from ? -1 : 1;
  if (a.to !== b.to) return a.to < b.to ? -1 : 1;
  if (a.text !== b.text) return a.text < b.text ? -1 : 1;
  return 0;
}

export function sameInFlight(a: InFlight, b: InFlight): boolean {
  return a.from === b.from && a.to === b.to && a.text === b.text;
}

/** `list` with `m` added in sorted position; with `asSet`, unchanged when `m` is already there. */
export function withMessage(list: readonly InFlight[], m: InFlight, asSet: boolean): InFlight[] {
  let i = 0;
  while (i < list.length && compareInFlight(list[i] as InFlight, m) < 0) i++;
  if (asSet && i < list.length && sameInFlight(list[i] as InFlight, m)) return list as InFlight[];
  return [...list.slice(0, i), m, ...list.slice(i)];
}

/** `list` without one copy of `m`. */
export function withoutMessage(list: readonly InFlight[], m: InFlight): InFlight[] {
  const i = list.findIndex((x) => sameInFlight(x, m));
  return i < 0 ? (list as InFlight[]) : [...list.slice(0, i), ...list.slice(i + 1)];
}

/** The disk a node reads at boot: the synced contents (what survives a crash). */
export function durableDisk(slot: Slot<unknown>): Map<string, string> {
  return new Map(slot.disk);
}

/** The disk a running node sees: synced contents plus writes not yet synced. */
export function currentDisk(slot: Slot<unknown>): Map<string, string> {
  const m = new Map(slot.disk);
  for (const [k, v] of slot.unsynced) {
    if (v === null) m.delete(k);
    else m.set(k, v);
  }
  return m;
}

function sortedEntries(m: Map<string, string>): Array<[string, string]> {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * Apply a handler's effects to `slot` and the wire. Sends to nodes go in flight (as a set when
 * the network may duplicate: one copy can then be delivered any number of times); sends to
 * anything else are outputs.
 */
export function applyEffects<S>(
  nodes: ReadonlySet<NodeId>,
  slot: Slot<S>,
  state: S | undefined,
  effects: readonly Effect[],
  wire: { network: readonly InFlight[]; outputs: readonly InFlight[] },
  from: NodeId,
  duplicates: boolean,
): { slot: Slot<S>; network: readonly InFlight[]; outputs: readonly InFlight[] } {
  let { network, outputs } = wire;
  let timers = slot.timers;
  let unsynced = slot.unsynced;
  let disk = slot.disk;
  for (const e of effects) {
    switch (e.kind) {
      case "send": {
        const m = { from, to: e.to, text: e.text };
        if (nodes.has(e.to)) network = withMessage(network, m, duplicates);
        else outputs = withMessage(outputs, m, false);
        break;
      }
      case "timer":
        timers = [...timers.filter((t) => t.handle !== e.handle), { handle: e.handle, tag: e.tag, ms: e.ms }].sort(
          (a, b) => a.handle - b.handle,
        );
        break;
      case "cancel":
        timers = timers.filter((t) => t.handle !== e.handle);
        break;
      case "write":
        unsynced = [...unsynced, [e.key, e.text]];
        break;
      case "delete":
        unsynced = [...unsynced, [e.key, null]];
        break;
      case "sync":
        if (unsynced.length > 0) {
          disk = sortedEntries(currentDisk({ ...slot, disk, unsynced }));
          unsynced = [];
        }
        break;
      case "log":
        break;
    }
  }
  return { slot: { up: slot.up, state, timers, disk, unsynced }, network, outputs };
}
