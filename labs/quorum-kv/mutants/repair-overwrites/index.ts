import type { StoreReason, Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  override storeVersions(key: string, incoming: readonly Version[], reason: StoreReason): Version[] {
    if (reason !== "repair") return super.storeVersions(key, incoming, reason);
    const replaced = this.reconcile(incoming);
    this.store.set(key, replaced);
    this.env.disk.write(`k:${key}`, replaced);
    this.env.disk.sync();
    return replaced;
  }
}
