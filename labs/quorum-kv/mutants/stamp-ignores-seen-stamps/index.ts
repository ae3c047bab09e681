import type { Context, Stamp } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Stamps above the clock and the context, but not above the stamps the node has seen. */
export class KvNode extends Reference {
  override newStamp(context: Context | undefined): Stamp {
    const t = Math.max(Math.floor(this.env.now()), (context?.stamp?.t ?? 0) + 1);
    this.clock = Math.max(this.clock, t);
    return { t, node: this.env.id };
  }
}
