import type { NodeId } from "@faultline/sim";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** A fallback answers a read with the versions of every hint it holds, whatever their key. */
export class KvNode extends Reference {
  protected override onRead(from: NodeId, rid: string, key: string): void {
    const held = [...(this.store.get(key) ?? [])];
    for (const h of this.hinted.values()) held.push(...h.versions);
    this.env.send(from, { type: "readReply", rid, key, versions: this.reconcile(held) });
  }
}
