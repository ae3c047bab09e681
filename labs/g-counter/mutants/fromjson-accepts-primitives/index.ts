import { GCounter as Reference, GCounterNode as ReferenceNode, type GCounterState, type ReplicaId } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounter extends Reference {
  static override fromJSON(replicaId: ReplicaId, state: GCounterState): GCounter {
    // Only null and arrays are refused: a number or a boolean reads as an empty counter.
    if (state === null || Array.isArray(state)) throw new TypeError(`GCounter.fromJSON: the state must be an object, got ${JSON.stringify(state)}`);
    return super.fromJSON(replicaId, (typeof state === "object" ? state : {}) as GCounterState) as GCounter;
  }
}

export class GCounterNode extends ReferenceNode {
  protected override readonly Counter = GCounter;
}
