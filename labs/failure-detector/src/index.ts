/**
 * The failure-detector lab: detectors graded on measured detection time and false suspicions.
 * See README.md for the parts, the bounds and how to run the grader.
 */
export * from "./messages.ts";
export { pLater } from "./normal.ts";
export { chooseTimeout, HeartbeatNode, type HeartbeatOptions } from "./heartbeat.ts";
export { PhiAccrualDetector, PhiNode, type PhiOptions } from "./phi.ts";
export { SwimNode, type SwimOptions } from "./swim.ts";
