import type { StoreReason, Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  override storeVersions(key: string, incoming: readonly Version[], reason: StoreReason): Version[] {
    if (reason !== "sync") return super.storeVersions(key, incoming, reason);
    const all = this.reconcile([...(this.store.get(key) ?? []), ...incoming]);
    if (all.length <= 1) return super.storeVersions(key, incoming, reason);
    const newest = all.reduce((a, b) => (this.compareStamps(b.stamp, a.stamp) > 0 ? b : a));
    this.store.set(key, [newest]);
    this.env.disk.write(`k:${key}`, [newest]);
    this.env.disk.sync();
    this.updateTree(key, [newest]);
    return [newest];
  }
}
