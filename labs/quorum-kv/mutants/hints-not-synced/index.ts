import type { NodeId } from "@faultline/sim";
import type { Hint, Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Keeps a hint in memory and writes it to disk without sync(): a fallback that crashes loses it. */
export class KvNode extends Reference {
  protected override addHint(forNode: NodeId, key: string, versions: readonly Version[]): void {
    const hid = `h:${JSON.stringify([forNode, key])}`;
    const before = this.hinted.get(hid)?.versions ?? [];
    const hint: Hint = { for: forNode, key, versions: this.reconcile([...before, ...versions]) };
    this.hinted.set(hid, hint);
    this.env.disk.write(hid, hint);
  }
}
