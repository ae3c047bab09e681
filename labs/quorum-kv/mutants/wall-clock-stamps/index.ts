import type { Context, Stamp } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  override newStamp(_context: Context | undefined): Stamp {
    return { t: Math.floor(this.env.now()), node: this.env.id };
  }
}
