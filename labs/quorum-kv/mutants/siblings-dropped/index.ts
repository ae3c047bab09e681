import type { Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  override reconcile(versions: readonly Version[]): Version[] {
    const kept = super.reconcile(versions);
    if (this.config.mode !== "vv" || kept.length <= 1) return kept;
    const newest = kept.reduce((a, b) => (this.compareStamps(b.stamp, a.stamp) > 0 ? b : a));
    return [newest];
  }
}
