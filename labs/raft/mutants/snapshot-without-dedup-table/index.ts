import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import { KvCounterStateMachine as ReferenceMachine, type ServiceSnapshot } from "../../reference/index.ts";

/** The snapshot holds the counter and the keys, but not the client sessions. */
export class KvCounterStateMachine extends ReferenceMachine {
  override snapshot(): ServiceSnapshot {
    return { ...super.snapshot(), sessions: [] };
  }
}

export class RaftNode extends Reference {
  protected override createStateMachine(): ReferenceMachine {
    return new KvCounterStateMachine();
  }
}
