import { LAMPORT_DISK_KEY, LamportClock as ReferenceClock, LamportNode as ReferenceNode } from "../../reference/index.ts";
export * from "../../reference/index.ts";

export class LamportClock extends ReferenceClock {
  override receive(remote: number): number {
    this.value = Math.max(this.value + 1, remote);
    return this.value;
  }
}

/** The reference node, running the buggy clock. */
export class LamportNode extends ReferenceNode {
  protected override restore(): LamportClock {
    return new LamportClock(this.env.disk.read<number>(LAMPORT_DISK_KEY) ?? 0);
  }
}
