import { GCounterNode as ReferenceNode, type AddRequest } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class GCounterNode extends ReferenceNode {
  protected override add(from: string, msg: AddRequest): void {
    try {
      this.apply(msg.delta);
    } catch (err) {
      this.env.send(from, { type: "add_error", id: msg.id, error: (err as Error).message });
      // Missing return: the refused add is answered a second time, with add_ok.
    }
    this.persist();
    this.env.send(from, { type: "add_ok", id: msg.id });
  }
}
