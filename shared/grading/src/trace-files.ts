/**
 * Writing a run's trace to disk: the JSON file (the source of truth, reloadable by
 * `faultline trace`) and the views made from it: `.html` (space-time diagram, open it in a
 * browser), `.txt` (one column per node) and `.shiviz.log` (for the ShiViz visualizer).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { toShiViz, type TraceFile } from "@faultline/sim";
import { renderHtmlView } from "./views/html.ts";
import { renderTextView } from "./views/text.ts";

export type TraceView = "json" | "html" | "txt" | "shiviz";
export const TRACE_VIEWS: readonly TraceView[] = ["json", "html", "txt", "shiviz"];

const SUFFIX: Record<TraceView, string> = { json: ".json", html: ".html", txt: ".txt", shiviz: ".shiviz.log" };

/** Width of the text view written to files (a terminal shows it with its own width). */
const FILE_TEXT_WIDTH = 180;

/** Write `<base>.json` and the views; returns the paths written, the HTML view first. */
export function writeTraceFiles(trace: TraceFile, base: string, views: readonly TraceView[] = TRACE_VIEWS): string[] {
  const written: string[] = [];
  const order: TraceView[] = ["html", "json", "txt", "shiviz"];
  for (const view of order) {
    if (!views.includes(view)) continue;
    const path = `${base}${SUFFIX[view]}`;
    writeFileSync(path, renderTraceView(trace, view));
    written.push(path);
  }
  return written;
}

export function renderTraceView(trace: TraceFile, view: TraceView): string {
  switch (view) {
    case "json":
      return JSON.stringify(trace);
    case "html":
      return renderHtmlView(trace);
    case "txt":
      return renderTextView(trace, { width: FILE_TEXT_WIDTH });
    case "shiviz":
      return toShiViz(trace);
  }
}

/** Read a trace written by `writeTraceFiles` (the .json file). */
export function readTraceFile(path: string): TraceFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path} is not a faultline trace (.json): ${(err as Error).message}`);
  }
  const t = data as Partial<TraceFile>;
  if (t.format !== "faultline-trace/1" || !Array.isArray(t.events))
    throw new Error(`${path} is not a faultline trace (expected "format": "faultline-trace/1")`);
  return data as TraceFile;
}

/** The `.json` trace next to any of its views (`x.html`, `x.txt`, `x.shiviz.log` -> `x.json`). */
export function traceJsonFor(path: string): string {
  for (const s of Object.values(SUFFIX)) if (path.endsWith(s)) return `${path.slice(0, -s.length)}.json`;
  return path;
}
