import type { StoreReason, Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  override storeVersions(key: string, incoming: readonly Version[], reason: StoreReason): Version[] {
    const merged = super.storeVersions(key, incoming, reason);
    if (merged.length > 0 && merged.every((v) => v.value === null)) {
      this.store.delete(key);
      this.env.disk.delete(`k:${key}`);
      this.env.disk.sync();
      return [];
    }
    return merged;
  }
}
