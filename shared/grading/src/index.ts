export * from "./scenario.ts";
export * from "./impl.ts";
export * from "./run-seed.ts";
export * from "./grade.ts";
export * from "./shard.ts";
export * from "./pool.ts";
export * from "./report.ts";
export * from "./reporter.ts";
export * from "./format.ts";
export * from "./trace-files.ts";
export * from "./bench.ts";
export { renderTextView, traceColumns, type TextViewOptions } from "./views/text.ts";
export { renderHtmlView, htmlWindow, DEFAULT_HTML_EVENTS, type HtmlViewOptions } from "./views/html.ts";
export { describeEvent, describeState, violationPosition, EVENT_KINDS, isEventKind } from "./views/describe.ts";
export {
  NodeStateRecorder,
  readNodeState,
  type NodeState,
  type NodeStateReader,
  type NodeStateValue,
} from "./node-state.ts";
export { scanStubs } from "./stubs.ts";
export * from "./course-rules.ts";
export * from "./bench-mutants.ts";
export * from "./learner.ts";
export { stageSubmission, needsStaging, MAX_SUBMISSION_BYTES } from "./stage.ts";
export { BundleError } from "./isolation/bundle.ts";
export {
  bundleProcessImpl,
  checkProcessLabLoads,
  labProcessBundle,
  learnerFacingError,
  type ProcessBundle,
  type ProcessBundleRequest,
} from "./isolation/process-bundle.ts";
export { spawnRestricted, restrictedArgs, type RestrictedProcessOptions } from "./isolation/restricted-process.ts";
export { stampOf } from "./isolation/prepare.ts";
export * from "./mutants/index.ts";
