export { run, HELP } from "./cli.ts";
export { defaultIo, UsageError, type Io } from "./io.ts";
export { parseGrade, runGradePlan, type GradePlan } from "./commands/grade.ts";
export { exportCourse, type ExportSummary } from "./course-export.ts";
export { readStatus, statusPath } from "./status.ts";
