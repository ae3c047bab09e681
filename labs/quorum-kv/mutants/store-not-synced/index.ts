import type { StoreReason, Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Writes a replica's versions to disk but acknowledges without sync(): a crash loses them. */
export class KvNode extends Reference {
  override storeVersions(key: string, incoming: readonly Version[], _reason: StoreReason): Version[] {
    const current = this.store.get(key) ?? [];
    const merged = this.reconcile([...current, ...incoming]);
    if (!this.sameVersions(current, merged)) {
      this.store.set(key, merged);
      this.env.disk.write(`k:${key}`, merged);
      if (this.config.antiEntropy) this.updateTree(key, merged);
    }
    return merged;
  }
}
