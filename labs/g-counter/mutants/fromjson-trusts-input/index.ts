import { GCounter as Reference, GCounterNode as ReferenceNode, type GCounterState, type ReplicaId } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounter extends Reference {
  static override fromJSON(replicaId: ReplicaId, state: GCounterState): GCounter {
    const out = new GCounter(replicaId);
    for (const [r, v] of Object.entries(state ?? {})) out.counts.set(r, v);
    return out;
  }
}

export class GCounterNode extends ReferenceNode {
  protected override readonly Counter = GCounter;
}
