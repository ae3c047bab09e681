/**
 * Writing a run's trace to disk: the JSON file (the source of truth, reloadable by
 * `faultline trace`) and the views made from it.
 */
import { writeFileSync } from "node:fs";
import type { TraceFile } from "@faultline/sim";

/** Write `<base>.json` (and the views); returns the paths written. */
export function writeTraceFiles(trace: TraceFile, base: string): string[] {
  const json = `${base}.json`;
  writeFileSync(json, JSON.stringify(trace));
  return [json];
}
