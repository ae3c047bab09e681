/** Reference PN-Counter: a G-Counter of increments (P) and a G-Counter of decrements (N). */
import type { PNCounterState, ReplicaId } from "../src/messages.ts";
import { GCounter, checkAmount } from "./gcounter.ts";

export class PNCounter {
  readonly replicaId: ReplicaId;
  private p: GCounter;
  private n: GCounter;

  constructor(replicaId: ReplicaId) {
    this.replicaId = replicaId;
    this.p = new GCounter(replicaId);
    this.n = new GCounter(replicaId);
  }

  increment(amount = 1): void {
    checkAmount(amount, "PNCounter.increment");
    this.p.increment(amount);
  }

  decrement(amount = 1): void {
    checkAmount(amount, "PNCounter.decrement");
    this.n.increment(amount);
  }

  value(): number {
    return this.p.value() - this.n.value();
  }

  merge(other: PNCounter): PNCounter {
    const out = new PNCounter(this.replicaId);
    out.p = this.p.merge(other.p);
    out.n = this.n.merge(other.n);
    return out;
  }

  toJSON(): PNCounterState {
    return { p: this.p.toJSON(), n: this.n.toJSON() };
  }

  static fromJSON(replicaId: ReplicaId, state: PNCounterState): PNCounter {
    if (typeof state !== "object" || state === null || typeof state.p !== "object" || typeof state.n !== "object") {
      throw new TypeError(`PNCounter.fromJSON: the state must be { p, n }, got ${JSON.stringify(state)}`);
    }
    const out = new PNCounter(replicaId);
    out.p = GCounter.fromJSON(replicaId, state.p);
    out.n = GCounter.fromJSON(replicaId, state.n);
    return out;
  }
}
