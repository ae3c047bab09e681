import type { Context, Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** An abd put skips the timestamp query and writes with the coordinator's own stamp, like lww. */
export class KvNode extends Reference {
  protected override coordinateWrite(key: string, value: string | null, context: Context | undefined, done: (v: Version) => void, fail: (e: string) => void): void {
    const version: Version = { value, stamp: this.newStamp(context), vv: {} };
    this.runPhase("store", key, [version], "put", () => done(version), () => fail(`put of ${key} reached fewer than W=${this.config.w} replicas`));
  }
}
