/**
 * The HTML view of a trace: one self-contained file (no network, no dependencies) with a
 * space-time diagram drawn on a canvas. A lane per node, one row per event, messages as arrows
 * from send to delivery, drops and duplicates marked, crashes, pauses and partitions shaded,
 * the violated invariant marked and scrolled into view. Only the visible rows are drawn, so a
 * trace of tens of thousands of events stays fluid; a huge trace is cut to a bounded window
 * around the violation (the file says what was left out).
 */
import type { TraceEvent, TraceFile } from "@faultline/sim";
import { fmtMs } from "../format.ts";
import { clip, describeEvent, describeState, EVENT_KINDS, violationPosition } from "./describe.ts";
import { traceColumns } from "./text.ts";
import { CLIENT_JS, PAGE_CSS } from "./html-client.ts";

export interface HtmlViewOptions {
  /** Page title (default: "faultline trace, seed N"). */
  title?: string;
  /** Most events written into the page (default 20,000). */
  maxEvents?: number;
  /** Characters of a message payload kept per event (default 600). */
  payloadChars?: number;
}

export const DEFAULT_HTML_EVENTS = 20_000;

/** The events a page shows: all of them, or a bounded window around the violation (or the start). */
export function htmlWindow(trace: TraceFile, maxEvents = DEFAULT_HTML_EVENTS): { from: number; to: number } {
  const n = trace.events.length;
  if (n <= maxEvents) return { from: 0, to: n };
  const v = violationPosition(trace);
  if (v < 0) return { from: 0, to: maxEvents };
  const after = Math.floor(maxEvents / 5);
  let to = Math.min(n, v + 1 + after);
  const from = Math.max(0, to - maxEvents);
  to = Math.min(n, from + maxEvents);
  return { from, to };
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

/** JSON that is safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export function renderHtmlView(trace: TraceFile, opts: HtmlViewOptions = {}): string {
  const payloadChars = opts.payloadChars ?? 600;
  const { from, to } = htmlWindow(trace, opts.maxEvents ?? DEFAULT_HTML_EVENTS);
  const events = trace.events.slice(from, to);
  const lanes = traceColumns(trace).filter((c) => c !== "net");
  const laneOf = new Map(lanes.map((l, i) => [l, i]));
  const kindOf = new Map(EVENT_KINDS.map((k, i) => [k, i]));
  const vposAll = violationPosition(trace);
  const vpos = vposAll >= from && vposAll < to ? vposAll - from : trace.violation ? events.length - 1 : -1;
  // Compact rows: [index, t, kind, lane (-1 = network-wide), peer lane, msgId, description, detail, vc, node state]
  const rows = events.map((e: TraceEvent) => [
    e.i,
    e.t,
    kindOf.get(e.kind) ?? 0,
    laneOf.get(e.node) ?? -1,
    e.peer !== undefined ? (laneOf.get(e.peer) ?? -1) : -1,
    e.msgId ?? -1,
    describeEvent(e, 160),
    clip(e.payload ?? e.tag ?? e.text ?? "", payloadChars),
    e.vc ?? 0,
    describeState(e, 120),
  ]);
  const title = opts.title ?? `faultline trace, seed ${trace.seed}`;
  const data = {
    title,
    seed: trace.seed,
    hash: trace.hash,
    eventCount: trace.eventCount,
    stored: trace.events.length,
    truncated: trace.truncated,
    firstIndex: events[0]?.i ?? 0,
    lastIndex: events.at(-1)?.i ?? 0,
    cutBefore: from,
    cutAfter: trace.events.length - to,
    lanes,
    nodes: trace.nodes,
    endpoints: trace.endpoints,
    kinds: EVENT_KINDS,
    violation: trace.violation ?? null,
    violationAt: vpos,
    ev: rows,
  };
  const v = trace.violation;
  const banner = v
    ? `<div id="violation" role="alert"><b>Violated: ${escapeHtml(v.invariant)}</b>${v.node ? ` at ${escapeHtml(v.node)}` : ""}, t=${escapeHtml(fmtMs(v.t))}: ${escapeHtml(v.message)} <button id="jump">show</button></div>`
    : "";
  const notes: string[] = [];
  if (trace.truncated)
    notes.push(
      `the run had ${trace.eventCount} events; the trace kept the last ${trace.events.length} (rerun with --trace for all)`,
    );
  if (from > 0 || to < trace.events.length)
    notes.push(
      `this page shows events #${data.firstIndex}–#${data.lastIndex}${v ? ", the window before and after the violation" : ""}; the .json and .txt files hold the rest`,
    );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
  <div class="title"><b>${escapeHtml(title)}</b> · ${trace.eventCount} events · ${lanes.length} lanes · hash ${escapeHtml(trace.hash)}</div>
  ${banner}
  ${notes.map((n) => `<div class="note">${escapeHtml(n)}</div>`).join("\n  ")}
  <div id="controls">
    <span class="group"><button id="zoomOut" title="fewer pixels per event">−</button><button id="zoomIn" title="more pixels per event">+</button></span>
    <span class="group"><input id="search" type="search" placeholder="find text (Enter: next)" size="24"><span id="found"></span></span>
    <span class="group" id="kindFilters"></span>
    <span class="group" id="laneFilters"></span>
  </div>
</header>
<main>
  <div id="stage"><canvas id="canvas"></canvas><div id="scroller"><div id="spacer"></div></div><div id="tip" hidden></div></div>
  <aside id="details"><p class="muted">Click an event for its details. Amber tags are what the node reported through its hooks after the event. Arrows are messages (dashed magenta: duplicate copy; red ✗: dropped). Shading: grey crashed, amber paused, red isolated, tints partition groups.</p></aside>
</main>
<script type="application/json" id="trace-data">${scriptJson(data)}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}
