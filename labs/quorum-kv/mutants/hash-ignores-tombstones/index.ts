import type { Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  protected override updateTree(key: string, versions: readonly Version[]): void {
    super.updateTree(key, versions.filter((v) => v.value !== null));
  }
}
