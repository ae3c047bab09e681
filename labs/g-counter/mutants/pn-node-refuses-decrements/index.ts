import { PNCounterNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class PNCounterNode extends ReferenceNode {
  protected override apply(delta: number): void {
    // The sign is dropped on the way: decrement(-3) is refused with a RangeError, so every
    // decrement is answered add_error and nothing is ever subtracted.
    if (delta >= 0) this.counter.increment(delta);
    else this.counter.decrement(delta);
  }
}
