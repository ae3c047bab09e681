/**
 * The names of a run's endpoints and their indexes: nodes first, then clients. The index is
 * the position in every ground-truth vector clock and in the simulator's per-endpoint arrays.
 */
import type { NodeId } from "./types.ts";

/** The limit on nodes and on clients of one run. */
const MAX_ENDPOINTS = 1000;

function names(spec: number | readonly NodeId[] | undefined, prefix: string, what: string): NodeId[] {
  if (spec === undefined) return [];
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 0 || spec > MAX_ENDPOINTS)
      throw new RangeError(`need 0..${MAX_ENDPOINTS} ${what}, got ${spec}`);
    return Array.from({ length: spec }, (_, i) => `${prefix}${i + 1}`);
  }
  return [...spec];
}

export class Endpoints {
  readonly nodes: readonly NodeId[];
  readonly clients: readonly NodeId[];
  /** Nodes then clients. */
  readonly all: readonly NodeId[];
  private readonly index = new Map<NodeId, number>();

  constructor(nodes: number | readonly NodeId[], clients: number | readonly NodeId[] | undefined) {
    this.nodes = names(nodes, "n", "nodes");
    this.clients = names(clients, "c", "clients");
    this.all = [...this.nodes, ...this.clients];
    if (this.nodes.length === 0) throw new RangeError("a simulation needs at least one node");
    if (new Set(this.all).size !== this.all.length)
      throw new RangeError(`endpoint ids must be unique: ${this.all.join(", ")}`);
    this.all.forEach((id, i) => {
      this.index.set(id, i);
    });
  }

  /** The index of `id`; an unknown id is an error listing the known ones. */
  indexOf(id: NodeId): number {
    const i = this.index.get(id);
    if (i === undefined) throw new RangeError(`unknown endpoint "${id}"; known: ${this.all.join(", ")}`);
    return i;
  }

  /** The index of `id`, or undefined when it is not an endpoint. */
  find(id: NodeId): number | undefined {
    return this.index.get(id);
  }

  isNode(index: number): boolean {
    return index < this.nodes.length;
  }
}
