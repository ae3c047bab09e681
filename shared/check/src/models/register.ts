/**
 * Read/write register and compare-and-set register. Values are primitives (numbers, strings);
 * null is "never written", the initial state.
 */
import { UNKNOWN, type Unknown } from "../history.ts";
import { describeValue, hashPrimitive, type Model } from "../model.ts";

export type RegisterValue = number | string | null;

export type RegisterInput = { readonly op: "read" } | { readonly op: "write"; readonly value: RegisterValue };
/** A read returns the value; a write's output is ignored (use null). */
export type RegisterOutput = RegisterValue;

export type CasRegisterInput =
  | RegisterInput
  | { readonly op: "cas"; readonly from: RegisterValue; readonly to: RegisterValue };
/** A read returns the value; a cas returns whether it swapped; a write's output is ignored. */
export type CasRegisterOutput = RegisterValue | boolean;

function describeRegisterOp(input: CasRegisterInput, output: CasRegisterOutput | Unknown): string {
  const out = output === UNKNOWN ? "?" : describeValue(output);
  switch (input.op) {
    case "read":
      return `read → ${out}`;
    case "write":
      return `write(${describeValue(input.value)})${output === UNKNOWN ? " ?" : ""}`;
    case "cas":
      return `cas(${describeValue(input.from)}→${describeValue(input.to)}) ${output === UNKNOWN ? "?" : output === true ? "ok" : "fail"}`;
  }
}

export const registerModel: Model<RegisterValue, RegisterInput, RegisterOutput> = {
  name: "register",
  init: () => null,
  step(state, input, output) {
    if (input.op === "write") return input.value;
    return output === UNKNOWN || output === state ? state : undefined;
  },
  equal: (a, b) => a === b,
  hash: hashPrimitive,
  readOnly: (input) => input.op === "read",
  describe: describeRegisterOp,
  describeState: describeValue,
};

/**
 * A cas succeeds (output true) only when the state equals `from`, and fails (false) only when
 * it does not; a cas with an unknown outcome swaps exactly when the compare matches.
 */
export const casRegisterModel: Model<RegisterValue, CasRegisterInput, CasRegisterOutput> = {
  name: "cas-register",
  init: () => null,
  step(state, input, output) {
    const op = input.op;
    if (op === "read") return output === UNKNOWN || output === state ? state : undefined;
    if (op === "write") return input.value;
    const matches = input.from === state;
    if (output === UNKNOWN) return matches ? input.to : state;
    if (output === true) return matches ? input.to : undefined;
    return matches ? undefined : state;
  },
  equal: (a, b) => a === b,
  hash: hashPrimitive,
  // a failed cas only happens where the compare fails, and then changes nothing
  readOnly: (input, output) => input.op === "read" || (input.op === "cas" && output === false),
  describe: describeRegisterOp,
  describeState: describeValue,
};
