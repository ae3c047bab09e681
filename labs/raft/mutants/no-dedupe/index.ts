import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import { KvCounterStateMachine as ReferenceMachine, type Command, type OpResult } from "../../reference/index.ts";

export class KvCounterStateMachine extends ReferenceMachine {
  override resultOf(_clientId: string, _seq: number): OpResult | undefined {
    return undefined;
  }
  override apply(cmd: Command): OpResult {
    return this.execute(cmd);
  }
}

export class RaftNode extends Reference {
  protected override createStateMachine(): ReferenceMachine {
    return new KvCounterStateMachine();
  }
}
