/** Helpers shared by the parts of the lamport-clock grader. */
import type * as Lab from "@faultline/lab-lamport-clock";
import type { ScenarioContext } from "@faultline/grading";

/** The lab module under test, typed from the stubs. */
export type LabModule = typeof Lab;
export type Ctx = ScenarioContext<LabModule>;

/** A JSON-ish rendering for messages: {time: 7, node: "n10"}. */
export function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

export function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

/** Sign of a comparator result: -1, 0 or 1 (NaN and non-numbers count as 0). */
export function sign(x: unknown): number {
  return typeof x === "number" && x < 0 ? -1 : typeof x === "number" && x > 0 ? 1 : 0;
}

/** Run the workload and then fail with the first broken check, if the run did not already stop. */
export function order(n: number): string {
  return n < 0 ? "negative" : n > 0 ? "positive" : "0";
}
