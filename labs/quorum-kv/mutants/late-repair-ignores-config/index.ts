import type { Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Repairs replicas that answer a get late even when read repair is off. */
export class KvNode extends Reference {
  protected override coordinateGet(key: string, done: (versions: Version[]) => void, fail: (e: string) => void): void {
    super.coordinateGet(key, done, fail);
    const phase = [...this.phases.values()].at(-1);
    if (phase && this.config.mode !== "abd" && !phase.onLate) {
      phase.onLate = (node, versions) => this.repairIfStale(key, node, versions, this.reconcile([...phase.replies.values()].flat()));
    }
  }
}
