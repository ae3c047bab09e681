import type { Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class KvNode extends Reference {
  protected override writeBack(_key: string, _result: Version[], done: () => void, _fail: (e: string) => void): void {
    done();
  }
}
