import type { Order, VersionVector } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  override compareVectors(a: VersionVector, b: VersionVector): Order {
    for (const id of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const x = a[id] ?? 0;
      const y = b[id] ?? 0;
      if (x > y) return "after";
      if (x < y) return "before";
    }
    return "equal";
  }
}
