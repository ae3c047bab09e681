/** Reference solution of the failure-detector lab: the same exports as src/. */
export * from "../src/messages.ts";
export { pLater } from "../src/normal.ts";
export { chooseTimeout, HeartbeatNode, type HeartbeatOptions } from "./heartbeat.ts";
export { PhiAccrualDetector, PhiNode, type PhiOptions } from "./phi.ts";
export { SwimNode, type SwimOptions } from "./swim.ts";
