import { LAMPORT_DISK_KEY, LamportNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class LamportNode extends ReferenceNode {
  protected override persist(): void {
    this.env.disk.write(LAMPORT_DISK_KEY, this.clock.time);
  }
}
