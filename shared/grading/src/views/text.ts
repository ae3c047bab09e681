/**
 * The text view of a trace: one column per node, one line per event, time on the left, colored
 * by event kind on a terminal. Filterable by node, kind and virtual time range, so a learner can
 * read just the part of a run that matters.
 */
import type { EventKind, TraceEvent, TraceFile } from "@faultline/sim";
import { fmtMs } from "../format.ts";
import { clip, describeEvent, describeState, violationPosition } from "./describe.ts";

export interface TextViewOptions {
  /** Columns to show (endpoints, or "net" for network-wide events); default all that occur. */
  nodes?: readonly string[];
  /** Event kinds to show; default all. */
  kinds?: readonly EventKind[];
  /** Virtual time range in ms, inclusive. */
  from?: number;
  to?: number;
  /** ANSI colors (for a terminal). Default false. */
  color?: boolean;
  /** Total line width in characters (default 160). */
  width?: number;
  /** Lines one event may wrap onto within its column (default 2). */
  maxLines?: number;
}

const ANSI: Partial<Record<EventKind, string>> = {
  send: "34", // blue
  deliver: "32", // green
  drop: "31", // red
  duplicate: "35", // magenta
  timer: "33", // yellow
  crash: "1;31",
  fail: "1;31",
  restart: "36",
  start: "36",
  pause: "33;2",
  resume: "33",
  net: "35;1",
  clock: "36;2",
  client: "94",
  log: "37",
};

const paint = (on: boolean, code: string | undefined, s: string) => (on && code ? `\x1b[${code}m${s}\x1b[0m` : s);

function wrap(s: string, width: number, maxLines: number): string[] {
  if (width <= 1) return [""];
  const out: string[] = [];
  let rest = s;
  while (rest.length > 0 && out.length < maxLines) {
    if (out.length === maxLines - 1) {
      out.push(clip(rest, width));
      break;
    }
    // break at the last space that keeps at least half the column filled
    let cut = width;
    if (rest.length > width) {
      const space = rest.lastIndexOf(" ", width);
      if (space >= width / 2) cut = space + 1;
    }
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut);
  }
  return out.length > 0 ? out : [""];
}

/** Columns of a trace: its endpoints, then "net" when network-wide events occur. */
export function traceColumns(trace: Pick<TraceFile, "endpoints" | "events">): string[] {
  const cols = [...trace.endpoints];
  const known = new Set(cols);
  for (const e of trace.events)
    if (!known.has(e.node)) {
      known.add(e.node);
      cols.push(e.node);
    }
  return cols;
}

export function renderTextView(trace: TraceFile, opts: TextViewOptions = {}): string {
  const color = opts.color ?? false;
  const width = Math.max(40, opts.width ?? 160);
  const maxLines = Math.max(1, opts.maxLines ?? 2);
  const all = traceColumns(trace);
  if (opts.nodes) {
    const unknown = opts.nodes.filter((n) => !all.includes(n));
    if (unknown.length > 0)
      throw new Error(`unknown node ${unknown.map((n) => `"${n}"`).join(", ")}; this trace has: ${all.join(", ")}`);
  }
  const cols = opts.nodes ? all.filter((c) => opts.nodes?.includes(c)) : all;
  const colOf = new Map(cols.map((c, i) => [c, i]));
  const kinds = opts.kinds ? new Set(opts.kinds) : undefined;
  const timeW = 11;
  const colW = Math.max(8, Math.floor((width - timeW) / Math.max(1, cols.length)));
  const vpos = violationPosition(trace);
  const v = trace.violation;

  const lines: string[] = [];
  const header = [
    `trace of seed ${trace.seed}: ${trace.eventCount} events${trace.truncated ? ` (only the last ${trace.events.length} were kept)` : ""}, hash ${trace.hash}`,
  ];
  if (v)
    header.push(
      paint(color, "1;31", `violation: ${v.invariant}${v.node ? ` at ${v.node}` : ""}, t=${fmtMs(v.t)}: ${v.message}`),
    );
  const filters = [
    opts.nodes ? `nodes ${cols.join(",")}` : "",
    kinds ? `kinds ${[...kinds].join(",")}` : "",
    opts.from !== undefined || opts.to !== undefined ? `t in [${opts.from ?? 0}, ${opts.to ?? "end"}] ms` : "",
  ].filter(Boolean);
  if (filters.length > 0) header.push(`filter: ${filters.join("; ")}`);
  lines.push(...header, "");
  lines.push(
    paint(
      color,
      "1",
      "time (ms)".padStart(timeW - 1) +
        " " +
        cols
          .map((c) => clip(c, colW - 1).padEnd(colW))
          .join("")
          .trimEnd(),
    ),
  );
  lines.push("─".repeat(Math.min(width, timeW + colW * cols.length)));

  const violationLine = () =>
    paint(
      color,
      "1;31",
      clip(
        `${"".padStart(timeW - 1)} ━━ VIOLATED: ${v?.invariant}${v?.node ? ` at ${v.node}` : ""}, t=${v ? fmtMs(v.t) : "?"}: ${v?.message ?? ""}`,
        width,
      ),
    );

  let shown = 0;
  let markedViolation = false;
  trace.events.forEach((e: TraceEvent, k) => {
    const inRange = (opts.from === undefined || e.t >= opts.from) && (opts.to === undefined || e.t <= opts.to);
    const col = colOf.get(e.node);
    if (inRange && col !== undefined && (!kinds || kinds.has(e.kind))) {
      shown++;
      // What the learner's node reported after the event comes first: it is what a bug changes.
      const state = describeState(e, 60);
      const text = state ? `[${state}] ${describeEvent(e, 400)}` : describeEvent(e, 400);
      const chunks = wrap(text, colW - 1, maxLines);
      chunks.forEach((chunk, j) => {
        const time = j === 0 ? `${fmtTime(e.t).padStart(timeW - 1)} ` : " ".repeat(timeW);
        const pad = " ".repeat(col * colW);
        lines.push(`${time}${pad}${paint(color, ANSI[e.kind], chunk)}`.trimEnd());
      });
    }
    if (k === vpos && v) {
      lines.push(violationLine());
      markedViolation = true;
    }
  });
  if (v && !markedViolation) lines.push(violationLine());
  if (shown === 0) lines.push("(no events match the filter)");
  return `${lines.join("\n")}\n`;
}

function fmtTime(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(3).replace(/0+$/, "");
}
