import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  protected override handOff(): void {
    super.handOff();
    for (const hid of [...this.hinted.keys()]) {
      this.hinted.delete(hid);
      this.env.disk.delete(hid);
    }
    this.env.disk.sync();
  }
}
