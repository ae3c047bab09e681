import type { StoreReason, Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  override storeVersions(key: string, incoming: readonly Version[], reason: StoreReason): Version[] {
    if (reason !== "sync") return super.storeVersions(key, incoming, reason);
    const taken = this.reconcile(incoming);
    this.store.set(key, taken);
    this.env.disk.write(`k:${key}`, taken);
    this.env.disk.sync();
    this.updateTree(key, taken);
    return taken;
  }
}
