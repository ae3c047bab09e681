/**
 * The node contract: the whole API a lab node sees. A node touches the world only through its
 * `env`, so the same class runs in the simulator (virtual time) and over real processes
 * (`@faultline/net`).
 */

/** Name of a node or client endpoint, e.g. "n1" or "c1". */
export type NodeId = string;

/** Opaque handle returned by `env.setTimer`, accepted by `env.cancelTimer`. */
export type TimerHandle = number;

/**
 * Durable storage of one node. Writes are buffered until `sync()`: a crash loses every write
 * (and delete) made since the last sync, exactly like an fsync-less write to a real disk.
 * Values must be JSON-serializable; they are copied on write and on read.
 */
export interface Disk {
  read<T = unknown>(key: string): T | undefined;
  write(key: string, value: unknown): void;
  delete(key: string): void;
  keys(): string[];
  /** Make every buffered write durable. */
  sync(): void;
}

/**
 * What a node may use. `M` is the lab's message union, `T` its timer tag type.
 */
export interface Env<M = unknown, T = string> {
  /** This node's id. */
  readonly id: NodeId;
  /** The other nodes of the cluster (never clients, never this node), in a fixed order. */
  readonly peers: readonly NodeId[];
  /** Fire and forget. The message is copied at send time; it may be dropped, duplicated, delayed. */
  send(to: NodeId, msg: M): void;
  /** This node's local clock in milliseconds. It may be offset, drift or jump. */
  now(): number;
  /** Call `onTimer(tag)` after `ms` milliseconds of this node's local time. */
  setTimer(ms: number, tag: T): TimerHandle;
  cancelTimer(handle: TimerHandle): void;
  /** Uniform float in [0, 1) from this node's own seeded stream. */
  random(): number;
  readonly disk: Disk;
  /** Write to the trace (shown in the trace views next to this node's events). */
  log(...args: unknown[]): void;
}

/**
 * A lab node: a deterministic, synchronous event handler. A fresh instance is created at boot
 * and at every restart, so fields are volatile state; durable state lives in `env.disk`.
 */
export interface Node<M = unknown, T = string> {
  start(env: Env<M, T>): void;
  onMessage(from: NodeId, msg: M): void;
  onTimer(tag: T): void;
  /**
   * Optional, for runtimes that run the node elsewhere (a `node:vm` context): the message as
   * its JSON text instead of a copy. When present the simulator calls it instead of onMessage.
   */
  onMessageText?(from: NodeId, text: string): void;
}

/** Creates the node instance for `id` (called at boot and after every restart). */
export type NodeFactory<M = unknown, T = string> = (id: NodeId) => Node<M, T>;

/** Thrown by stub bodies a learner has not written yet; graders score it as "not started". */
export class NotImplemented extends Error {
  constructor(what = "this function") {
    super(`${what} is not implemented yet (TODO)`);
    this.name = "NotImplemented";
  }
}
