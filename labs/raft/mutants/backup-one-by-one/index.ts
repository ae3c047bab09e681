import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { AppendEntriesReply } from "../../reference/index.ts";
import type { NodeId } from "@faultline/sim";

export class RaftNode extends Reference {
  protected override backUp(peer: NodeId, _m: AppendEntriesReply): void {
    this.nextIndex.set(peer, Math.max(1, (this.nextIndex.get(peer) ?? 1) - 1));
  }
}
