import type { Version } from "../../reference/index.ts";
import { KvNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/**
 * An abd get answers after its read phase like an lww get and leaves the newest version to read
 * repair (when it is on), instead of writing it back before answering.
 */
export class KvNode extends Reference {
  protected override coordinateGet(key: string, done: (versions: Version[]) => void, fail: (e: string) => void): void {
    const phase = this.runPhase("read", key, [], "repair", () => {
      const result = this.reconcile([...phase.replies.values()].flat());
      done(result);
      if (this.config.readRepair) for (const [node, versions] of phase.replies) this.repairIfStale(key, node, versions, result);
    }, () => fail(`get of ${key}: fewer than R=${this.config.r} replicas answered`));
  }
}
