/**
 * Counter with add (positive or negative delta) and read. Starts at 0.
 */
import { UNKNOWN } from "../history.ts";
import { mix32, type Model } from "../model.ts";

export type CounterInput = { readonly op: "add"; readonly delta: number } | { readonly op: "read" };
/** A read returns the value; an add's output is ignored (use null). */
export type CounterOutput = number | null;

export const counterModel: Model<number, CounterInput, CounterOutput> = {
  name: "counter",
  init: () => 0,
  step(state, input, output) {
    if (input.op === "add") return state + input.delta;
    return output === UNKNOWN || output === state ? state : undefined;
  },
  equal: (a, b) => a === b,
  hash: (s) => (Number.isInteger(s) ? mix32(s | 0) ^ mix32((s / 0x100000000) | 0) : 0),
  readOnly: (input) => input.op === "read",
  describe(input, output) {
    if (input.op === "add") return `add(${input.delta})${output === UNKNOWN ? " ?" : ""}`;
    return `read → ${output === UNKNOWN ? "?" : String(output)}`;
  },
  describeState: (s) => String(s),
};
