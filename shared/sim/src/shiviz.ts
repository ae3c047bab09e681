/**
 * ShiViz export (Beschastnikh et al., "Debugging distributed systems", CACM 2016): one log line
 * per process event with its host and vector clock, parsed by the regular expression on the
 * file's first line. Clocks come from the simulator's ground truth.
 */
import type { TraceEvent, TraceFile } from "./trace.ts";

export const SHIVIZ_REGEX = "(?<host>\\S*) (?<clock>{.*})\\n(?<event>.*)";

function describe(e: TraceEvent): string {
  switch (e.kind) {
    case "send":
      return `send to ${e.peer}: ${e.payload ?? ""}`;
    case "deliver":
      return `receive from ${e.peer}: ${e.payload ?? ""}`;
    case "timer":
      return `timer ${e.tag ?? ""}`;
    default:
      return `${e.kind}${e.text ? `: ${e.text}` : ""}`;
  }
}

/** The trace as a ShiViz log (regex line, empty delimiter line, then host/clock/event triples). */
export function toShiViz(trace: Pick<TraceFile, "endpoints" | "events">): string {
  const lines = [SHIVIZ_REGEX, ""];
  for (const e of trace.events) {
    if (!e.vc) continue;
    const clock: Record<string, number> = {};
    e.vc.forEach((v, i) => {
      if (v > 0) clock[trace.endpoints[i] as string] = v;
    });
    lines.push(`${e.node} ${JSON.stringify(clock)}`);
    lines.push(describe(e).replace(/\n/g, " "));
  }
  return `${lines.join("\n")}\n`;
}
