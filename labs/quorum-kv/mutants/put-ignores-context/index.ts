import type { Context, VersionVector } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  override newVector(_context: Context | undefined): VersionVector {
    return super.newVector(undefined);
  }
}
