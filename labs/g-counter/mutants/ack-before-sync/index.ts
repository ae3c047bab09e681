import { DISK_KEY, GCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounterNode extends ReferenceNode {
  protected override persist(): void {
    this.env.disk.write(DISK_KEY, this.counter.toJSON());
  }
}
