import type { Phase, StoreReason, Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** A quorum phase that times out is dropped silently: the client never gets its fail answer. */
export class KvNode extends Reference {
  protected override runPhase(kind: "read" | "store", key: string, versions: Version[], reason: StoreReason, onQuorum: () => void, _onTimeout: () => void): Phase {
    return super.runPhase(kind, key, versions, reason, onQuorum, () => {});
  }
}
