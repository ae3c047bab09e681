import type { Context, VersionVector } from "../../reference/index.ts";
import { KvNode as Reference, mergeVectors } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Counts vector entries in memory only: after a restart the counter starts at 0 again. */
export class KvNode extends Reference {
  override newVector(context: Context | undefined): VersionVector {
    this.counter++;
    return mergeVectors(context?.vv ?? {}, { [`${this.env.id}.${this.counter}`]: 1 });
  }
}
