import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  override quorumFor(kind: "read" | "store"): number {
    return kind === "read" ? 1 : this.config.w;
  }
}
