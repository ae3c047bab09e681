/**
 * Checks of timestamps against the ground-truth happened-before relation.
 *
 * For events with true vector clocks, a -> b exactly when a's own entry is at most b's entry
 * for a's process (Fidge 1988; Mattern 1989). So the events that happened before b are, for
 * every process j, a prefix of j's history: the first b.vc[j] events. Keeping, per process,
 * the largest timestamp of every prefix makes "is b's timestamp larger than every timestamp
 * in its causal past?" a binary search per process instead of a scan of the whole run.
 */
import type { Stamped, StampRecorder } from "./recorder.ts";
import { fmtT } from "./recorder.ts";

export class CausalPastMax<S> {
  /** Per process: own entries in increasing order, and the event with the largest stamp up to there. */
  private readonly own: number[][];
  private readonly best: Array<Array<Stamped<S>>>;

  constructor(
    endpoints: number,
    private readonly cmp: (a: S, b: S) => number,
  ) {
    this.own = Array.from({ length: endpoints }, () => []);
    this.best = Array.from({ length: endpoints }, () => []);
  }

  /** The stamped event with the largest stamp among those that happened before `e`. */
  maxBefore(e: Stamped<S>): Stamped<S> | undefined {
    let max: Stamped<S> | undefined;
    for (let j = 0; j < this.own.length; j++) {
      const own = this.own[j] as number[];
      const limit = j === e.index ? e.own - 1 : (e.vc[j] as number);
      // Largest position p with own[p] <= limit.
      let lo = 0;
      let hi = own.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((own[mid] as number) <= limit) lo = mid + 1;
        else hi = mid;
      }
      if (lo === 0) continue;
      const cand = (this.best[j] as Array<Stamped<S>>)[lo - 1] as Stamped<S>;
      if (max === undefined || this.cmp(cand.stamp, max.stamp) > 0) max = cand;
    }
    return max;
  }

  add(e: Stamped<S>): void {
    const own = this.own[e.index] as number[];
    const best = this.best[e.index] as Array<Stamped<S>>;
    const prev = best.at(-1);
    own.push(e.own);
    best.push(prev !== undefined && this.cmp(prev.stamp, e.stamp) >= 0 ? prev : e);
  }
}

/**
 * The clock condition (Lamport 1978): a -> b implies C(a) < C(b). Returns a check for a
 * StampRecorder; `rule` names the rule in the message ("C(a) < C(b)" or "(l, c) increases").
 */
export function clockCondition<S>(endpoints: number, cmp: (a: S, b: S) => number, rule: string) {
  const past = new CausalPastMax<S>(endpoints, cmp);
  return (e: Stamped<S>, rec: StampRecorder<S>): string | undefined => {
    const a = past.maxBefore(e);
    past.add(e);
    if (a === undefined || cmp(a.stamp, e.stamp) < 0) return undefined;
    const link =
      e.kind === "receive" && a.kind === "send" && a.msgId === e.msgId
        ? " (the send of the very message it receives)"
        : "";
    return `${rec.describe(e)} has timestamp ${rec.show(e.stamp)}, but it happened after ${rec.describe(a)}${link} with timestamp ${rec.show(a.stamp)}: a -> b needs ${rule}`;
  };
}

/** Timestamps strictly increase along each node's own history, restarts included. */
export function monotonicPerNode<S>(cmp: (a: S, b: S) => number) {
  return (e: Stamped<S>, rec: StampRecorder<S>): string | undefined => {
    const prev = rec.byNode.get(e.node)?.at(-1);
    if (prev === undefined || cmp(prev.stamp, e.stamp) < 0) return undefined;
    const restart = (rec.restarts.get(e.node) ?? []).find((t) => t >= prev.t && t <= e.t);
    const why =
      restart !== undefined
        ? ` ${e.node} restarted at t=${fmtT(restart)} ms in between: was the clock written to env.disk, synced, and read back in start()?`
        : cmp(prev.stamp, e.stamp) === 0
          ? " Every event needs its own, larger timestamp (IR1)."
          : "";
    return `${e.node}'s clock went ${cmp(prev.stamp, e.stamp) === 0 ? "nowhere" : "backwards"}: ${rec.describe(e)} has timestamp ${rec.show(e.stamp)} after ${rec.describe(prev)} had ${rec.show(prev.stamp)}.${why}`;
  };
}
