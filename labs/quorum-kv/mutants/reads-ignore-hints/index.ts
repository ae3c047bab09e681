import type { NodeId } from "@faultline/sim";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** A fallback answers reads with its own store only, not with the hints it holds. */
export class KvNode extends Reference {
  protected override onRead(from: NodeId, rid: string, key: string): void {
    this.env.send(from, { type: "readReply", rid, key, versions: this.reconcile([...(this.store.get(key) ?? [])]) });
  }
}
