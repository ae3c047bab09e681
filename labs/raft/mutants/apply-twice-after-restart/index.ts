import { RaftNode as Reference } from "../../reference/index.ts";
export * from "../../reference/index.ts";
import { KvCounterStateMachine } from "../../reference/index.ts";
import type { Env } from "@faultline/sim";
import type { RaftMessage, TimerTag } from "../../reference/index.ts";

/** Saves the counter after every apply "to restart faster", but still replays the whole log. */
class SavedMachine extends KvCounterStateMachine {
  restoreCounter(counter: number): void {
    this.counterValue = counter;
  }
}

export class RaftNode extends Reference {
  override start(env: Env<RaftMessage, TimerTag>): void {
    super.start(env);
    (this.machine as SavedMachine).restoreCounter(env.disk.read<number>("counter") ?? 0);
  }
  protected override createStateMachine(): KvCounterStateMachine {
    return new SavedMachine();
  }
  protected override applyCommitted(): void {
    const before = this.applied;
    super.applyCommitted();
    if (this.applied > before) {
      this.env.disk.write("counter", this.machine.counter);
      this.env.disk.sync();
    }
  }
}
