/**
 * Part E: the register store (node id "store"). Given: nothing to write in this file, and the
 * grader runs it as it is here.
 *
 * One register (a string, "" at first) and the count of writes applied to it (`version`). It
 * fences by token like your Part C storage: a `load` or `save` whose token is below the highest
 * token it has seen is answered `fenced`, and a new leader's `load` raises that highest token, so
 * a deposed leader's late saves are refused. Its clock is the replicas' reference (the grader
 * never lets it drift): it answers `what_time` with `time_is {at: env.now()}`.
 */
import type { Env, Node, NodeId } from "@faultline/sim";
import type { Msg, Timer } from "./messages.ts";

export class RegisterStore implements Node<Msg, Timer> {
  private env!: Env<Msg, Timer>;
  private highest = 0;
  private value = "";
  private version = 0;

  start(env: Env<Msg, Timer>): void {
    this.env = env;
  }

  onTimer(_tag: Timer): void {}

  onMessage(from: NodeId, msg: Msg): void {
    if (msg.type === "what_time") {
      this.env.send(from, { type: "time_is", id: msg.id, at: this.env.now() });
      return;
    }
    if (msg.type !== "load" && msg.type !== "save") return;
    if (msg.token < this.highest) {
      this.env.send(from, { type: "fenced", id: msg.id, token: msg.token, highest: this.highest });
      return;
    }
    this.highest = msg.token;
    if (msg.type === "load") {
      this.env.send(from, { type: "loaded", id: msg.id, token: msg.token, value: this.value, version: this.version });
      return;
    }
    this.value = msg.value;
    this.version++;
    this.env.send(from, { type: "saved", id: msg.id, token: msg.token, version: this.version });
  }
}
