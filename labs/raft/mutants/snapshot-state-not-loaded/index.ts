import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import type { ServiceSnapshot } from "../../reference/index.ts";

/** lastApplied jumps to the snapshot's index, but the state machine keeps its own state. */
export class RaftNode extends Reference {
  protected override loadSnapshotState(_state: ServiceSnapshot): void {}
}
