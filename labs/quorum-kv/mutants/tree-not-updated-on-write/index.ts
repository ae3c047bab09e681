import type { StoreReason, Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  override storeVersions(key: string, incoming: readonly Version[], reason: StoreReason): Version[] {
    if (reason === "sync") return super.storeVersions(key, incoming, reason);
    // The part A code, unchanged: the tree never hears about this write.
    const current = this.store.get(key) ?? [];
    const merged = this.reconcile([...current, ...incoming]);
    if (!this.sameVersions(current, merged)) {
      this.store.set(key, merged);
      this.env.disk.write(`k:${key}`, merged);
      this.env.disk.sync();
    }
    return merged;
  }
}
