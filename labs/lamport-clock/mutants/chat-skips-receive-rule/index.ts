import { ChatNode as ReferenceNode, LamportClock } from "../../reference/index.ts";
export * from "../../reference/index.ts";

/** Ticks on a receive but ignores the message's timestamp. */
class LocalOnlyClock extends LamportClock {
  override receive(_remote: number): number {
    return this.tick();
  }
}

export class ChatNode extends ReferenceNode {
  protected override clock: LamportClock = new LocalOnlyClock();
}
