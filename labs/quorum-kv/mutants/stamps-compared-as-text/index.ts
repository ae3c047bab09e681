import type { Stamp } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  /** Compares stamps as "t:node" strings, so 999 sorts after 1000. */
  override compareStamps(a: Stamp, b: Stamp): number {
    const x = `${a.t}:${a.node}`;
    const y = `${b.t}:${b.node}`;
    return x === y ? 0 : x < y ? -1 : 1;
  }
}
