import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class RaftNode extends Reference {
  protected override isUpToDate(_lastLogIndex: number, _lastLogTerm: number): boolean {
    return true;
  }
}
