import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class RaftNode extends Reference {
  protected override heartbeatInterval(): number {
    return 400;
  }
}
