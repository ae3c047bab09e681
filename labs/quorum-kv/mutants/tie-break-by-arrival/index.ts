import type { StoreReason, Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  override storeVersions(key: string, incoming: readonly Version[], reason: StoreReason): Version[] {
    const current = this.store.get(key)?.[0];
    const fresh = incoming.filter((v) => !current || v.stamp.t > current.stamp.t);
    if (current && fresh.length === 0) return [current];
    return super.storeVersions(key, fresh, reason);
  }
}
