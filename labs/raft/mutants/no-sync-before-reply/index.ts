import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class RaftNode extends Reference {
  protected override flush(): void {
    this.dirty = false; // forgot env.disk.sync()
  }
}
