/**
 * A self-contained HTML page showing a history and its linearizability result: one row per
 * client, one box per operation on a time axis, the longest partial linearization as numbered
 * points joined by a line, and the operation that cannot take effect marked in red.
 *
 * Time is drawn by rank (the n-th distinct call or return time), not to scale, so that dense
 * and sparse stretches stay equally readable; a partition selector and zoom keep histories of
 * thousands of operations legible. No external resources: the data is embedded as JSON and
 * drawn by a small inline script using DOM APIs only (no HTML built from data strings).
 */
import { OPEN, type Operation } from "./history.ts";
import { describeOperation, replay, type LinearizabilityResult } from "./linearizability.ts";
import { describeValue, type Model } from "./model.ts";

export interface HtmlViewOptions {
  /** Page title, e.g. the history file name. */
  readonly title?: string;
}

interface ViewOp {
  readonly c: number;
  readonly call: number;
  readonly ret: number | null;
  readonly d: string;
}

interface ViewPartition {
  readonly ops: readonly number[];
  readonly verdict: string;
  readonly reason: string | null;
  readonly longest: readonly number[];
  readonly states: readonly string[];
  readonly illegal: number | null;
  readonly label: string;
}

/** JSON safe to put inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const MAX_STATE_TEXT = 2000;

/** "key \"3\"" when the part's operations have a key (per-key partitions), else "partition i". */
function partitionLabel<I, O>(history: readonly Operation<I, O>[], ops: readonly number[], index: number): string {
  const first = history[ops[0] as number];
  const key =
    first !== undefined && typeof first.input === "object" && first.input !== null && "key" in first.input
      ? (first.input as { key: unknown }).key
      : undefined;
  return key === undefined ? `partition ${index}` : `key ${describeValue(key)}`;
}

export function renderHistoryHtml<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  result: LinearizabilityResult,
  options: HtmlViewOptions = {},
): string {
  const title = options.title ?? `${model.name} history`;
  const describe = (op: Operation<I, O>): string =>
    describeOperation(model, op)
      .replace(/^client \S+ /, "")
      .replace(/ \[[^\]]*\]$/, "");
  const ops: ViewOp[] = history.map((op) => ({
    c: op.client,
    call: op.call,
    ret: op.return === OPEN ? null : op.return,
    d: describe(op),
  }));
  const partitions: ViewPartition[] = result.partitions.map((p, i) => {
    let states: string[] = [];
    try {
      states = replay(model, history, p.longest).map((s) => {
        const text = model.describeState ? model.describeState(s) : describeValue(s);
        return text.length > MAX_STATE_TEXT ? `${text.slice(0, MAX_STATE_TEXT)}…` : text;
      });
    } catch {
      states = [];
    }
    return {
      ops: p.operations,
      verdict: p.verdict,
      reason: p.reason ?? null,
      longest: p.longest,
      states,
      illegal: p.firstIllegal,
      label: partitionLabel(history, p.operations, i),
    };
  });
  const selected = Math.max(
    0,
    result.partitions.findIndex((p) => p.verdict === "not linearizable"),
  );
  const illegal = result.firstIllegal === null ? null : (history[result.firstIllegal] as Operation<I, O>);
  const data = {
    title,
    model: model.name,
    verdict: result.verdict,
    reason: result.reason ?? null,
    stats: result.stats,
    illegalText: illegal === null ? null : describeOperation(model, illegal),
    ops,
    partitions,
    selected: result.partitions.length === 0 ? -1 : selected,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div id="verdict" class="verdict"></div>
  <div id="summary"></div>
</header>
<nav id="controls">
  <label id="partition-label">Partition <select id="partition"></select></label>
  <span class="zoom">Zoom <button id="zoom-out" type="button" title="zoom out">−</button><button id="zoom-in" type="button" title="zoom in">+</button></span>
  <span class="legend"><span class="sw lin"></span> in the longest partial linearization <span class="sw out"></span> left out <span class="sw bad"></span> cannot take effect <span class="sw open"></span> open (no return)</span>
</nav>
<section id="partition-info"></section>
<div id="timeline"></div>
<div id="tooltip" role="tooltip"></div>
<section>
  <h2 id="sequence-title">Longest partial linearization</h2>
  <table id="sequence"><thead><tr><th>#</th><th>client</th><th>operation</th><th>state after</th></tr></thead><tbody></tbody></table>
</section>
<script type="application/json" id="history-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 16px 32px; color: #1b1f24; }
header h1 { font-size: 20px; margin: 16px 0 4px; }
.verdict { display: inline-block; font-weight: 600; padding: 2px 10px; border-radius: 4px; margin: 4px 0; }
.verdict.ok { background: #dcf5e3; color: #13612e; }
.verdict.bad { background: #fde2e1; color: #a4161a; }
.verdict.unknown { background: #fff1c2; color: #7a5400; }
#summary, #partition-info { margin: 4px 0; }
.illegal-text { color: #a4161a; font-weight: 600; }
nav { position: sticky; top: 0; background: #fff; padding: 6px 0; border-bottom: 1px solid #d0d7de; z-index: 2; display: flex; gap: 18px; align-items: center; flex-wrap: wrap; }
nav button { width: 28px; margin-left: 4px; }
.legend { color: #57606a; font-size: 12px; }
.sw { display: inline-block; width: 12px; height: 10px; border: 1px solid #57606a; margin: 0 3px 0 10px; vertical-align: middle; }
.sw.lin { background: #cfe3ff; } .sw.out { background: #eaeef2; } .sw.bad { background: #ff9c9c; } .sw.open { background: repeating-linear-gradient(90deg, #eaeef2 0 4px, #fff 4px 8px); }
#timeline { overflow: auto; max-height: 70vh; border: 1px solid #d0d7de; margin-top: 8px; position: relative; }
#timeline { display: flex; align-items: flex-start; }
#timeline svg { display: block; flex: none; }
#labels { position: sticky; left: 0; background: #fff; z-index: 1; border-right: 1px solid #d0d7de; }
.row-label { font: 12px ui-monospace, monospace; fill: #57606a; }
.op rect { stroke: #57606a; stroke-width: 1; }
.op.lin rect { fill: #cfe3ff; }
.op.out rect { fill: #eaeef2; }
.op.open rect { stroke-dasharray: 4 3; }
.op.illegal rect { fill: #ff9c9c; stroke: #a4161a; stroke-width: 2; }
.op text { font: 11px ui-monospace, monospace; fill: #1b1f24; pointer-events: none; }
.op:hover rect { stroke: #0969da; stroke-width: 2; }
.lp { fill: #0969da; }
.lp-num { font: 9px ui-monospace, monospace; fill: #0969da; }
.lp-path { fill: none; stroke: #0969da; stroke-width: 1; opacity: 0.5; }
.axis { stroke: #d0d7de; }
#tooltip { position: fixed; display: none; background: #1b1f24; color: #fff; padding: 6px 8px; border-radius: 4px; font: 12px ui-monospace, monospace; max-width: 560px; white-space: pre-wrap; pointer-events: none; z-index: 3; }
table { border-collapse: collapse; font: 12px ui-monospace, monospace; }
th, td { border-bottom: 1px solid #eaeef2; padding: 2px 8px; text-align: left; vertical-align: top; }
td.state { max-width: 640px; overflow-wrap: anywhere; }
tr.illegal td { color: #a4161a; font-weight: 600; }
`;

// The page script: plain ES2017, no template literals (it lives inside one).
const SCRIPT = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("history-data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var ROW = 26, BOX = 18, LEFT = 6, TOP = 22, LABELS = 84;
  var unit = 22;
  var current = data.selected;

  function el(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function verdictClass(v) { return v === "linearizable" ? "ok" : v === "not linearizable" ? "bad" : "unknown"; }
  function timeText(t) { return t === null ? "open" : String(t); }

  document.getElementById("title").textContent = data.title;
  var verdict = document.getElementById("verdict");
  verdict.textContent = data.verdict === "linearizable" ? "Linearizable" : data.verdict === "not linearizable" ? "Not linearizable" : "Unknown (not a pass)";
  verdict.className = "verdict " + verdictClass(data.verdict);
  var summary = document.getElementById("summary");
  summary.appendChild(document.createTextNode(data.model + " model, " + data.stats.operations + " operations, " + data.stats.partitions + " partition" + (data.stats.partitions === 1 ? "" : "s") + ", " + data.stats.steps + " search steps. "));
  if (data.reason) summary.appendChild(document.createTextNode("Reason: " + data.reason + ". "));
  if (data.illegalText) {
    var s = document.createElement("span");
    s.className = "illegal-text";
    s.textContent = "Cannot take effect: " + data.illegalText;
    summary.appendChild(s);
  }

  var select = document.getElementById("partition");
  data.partitions.forEach(function (p, i) {
    var o = document.createElement("option");
    o.value = String(i);
    o.textContent = p.label + " (" + p.ops.length + " ops, " + p.verdict + ")";
    select.appendChild(o);
  });
  if (data.partitions.length <= 1) document.getElementById("partition-label").style.display = "none";
  select.addEventListener("change", function () { current = Number(select.value); draw(); });
  document.getElementById("zoom-in").addEventListener("click", function () { unit = Math.min(200, unit * 1.5); draw(); });
  document.getElementById("zoom-out").addEventListener("click", function () { unit = Math.max(2, unit / 1.5); draw(); });

  var tooltip = document.getElementById("tooltip");
  function showTip(ev, text) {
    tooltip.textContent = text;
    tooltip.style.display = "block";
    tooltip.style.left = Math.min(ev.clientX + 12, window.innerWidth - 580) + "px";
    tooltip.style.top = (ev.clientY + 12) + "px";
  }
  function hideTip() { tooltip.style.display = "none"; }

  function draw() {
    var timeline = document.getElementById("timeline");
    timeline.textContent = "";
    var tbody = document.querySelector("#sequence tbody");
    tbody.textContent = "";
    var info = document.getElementById("partition-info");
    info.textContent = "";
    if (current < 0) { info.textContent = "Empty history."; return; }
    select.value = String(current);
    var part = data.partitions[current];
    info.textContent = part.label + ": " + part.verdict + (part.reason ? " (" + part.reason + ")" : "") + "; longest partial linearization " + part.longest.length + " of " + part.ops.length + " operations.";

    // time ranks over this partition's calls and returns
    var times = [];
    part.ops.forEach(function (i) { var op = data.ops[i]; times.push(op.call); if (op.ret !== null) times.push(op.ret); });
    times.sort(function (a, b) { return a - b; });
    var rank = new Map();
    times.forEach(function (t) { if (!rank.has(t)) rank.set(t, rank.size); });
    var end = rank.size + 1;
    var clients = [];
    part.ops.forEach(function (i) { var c = data.ops[i].c; if (clients.indexOf(c) < 0) clients.push(c); });
    clients.sort(function (a, b) { return a - b; });
    var rowOf = new Map();
    clients.forEach(function (c, r) { rowOf.set(c, r); });
    function x(r) { return LEFT + r * unit; }
    var width = x(end + 1) + 20, height = TOP + clients.length * ROW + 10;
    var labels = el("svg", { id: "labels", width: LABELS, height: height, viewBox: "0 0 " + LABELS + " " + height });
    var svg = el("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height });
    clients.forEach(function (c, r) {
      labels.appendChild(el("text", { x: 6, y: TOP + r * ROW + BOX - 4, "class": "row-label" }, "client " + c));
      svg.appendChild(el("line", { x1: 0, x2: width, y1: TOP + r * ROW + ROW - 4, y2: TOP + r * ROW + ROW - 4, "class": "axis" }));
    });

    var position = new Map();
    part.longest.forEach(function (i, k) { position.set(i, k); });
    // linearization points: in order, each no earlier than its call or the previous point
    var points = [];
    var prev = -1;
    part.longest.forEach(function (i) {
      var op = data.ops[i];
      var lo = rank.get(op.call), hi = op.ret === null ? end : rank.get(op.ret) + 0.9;
      var p = Math.max(lo + 0.5, prev + 0.15);
      if (p > hi) p = hi;
      points.push(p);
      prev = p;
    });

    part.ops.forEach(function (i) {
      var op = data.ops[i];
      var r = rowOf.get(op.c);
      var x0 = x(rank.get(op.call)), x1 = op.ret === null ? x(end) : x(rank.get(op.ret) + 1);
      var k = position.get(i);
      var cls = "op " + (i === part.illegal ? "illegal" : k !== undefined ? "lin" : "out") + (op.ret === null ? " open" : "");
      var g = el("g", { "class": cls, "data-op": i });
      g.appendChild(el("rect", { x: x0, y: TOP + r * ROW, width: Math.max(2, x1 - x0 - 2), height: BOX, rx: 3 }));
      var label = (i === part.illegal ? "\\u2717 " : "") + op.d;
      if (x1 - x0 > 30) {
        var maxChars = Math.floor((x1 - x0 - 6) / 6.6);
        g.appendChild(el("text", { x: x0 + 3, y: TOP + r * ROW + BOX - 5 }, label.length > maxChars ? label.slice(0, Math.max(1, maxChars - 1)) + "\\u2026" : label));
      }
      var tip = "client " + op.c + "  " + op.d + "\\n[" + timeText(op.call) + ", " + timeText(op.ret) + "]";
      if (k !== undefined) tip += "\\nlinearized #" + (k + 1) + (part.states[k] !== undefined ? ", state after: " + part.states[k] : "");
      if (i === part.illegal) tip += "\\ncannot take effect after the longest partial linearization";
      g.addEventListener("mousemove", function (ev) { showTip(ev, tip); });
      g.addEventListener("mouseleave", hideTip);
      svg.appendChild(g);
    });

    if (points.length > 0) {
      var d = "";
      part.longest.forEach(function (i, k) {
        var r = rowOf.get(data.ops[i].c);
        d += (k === 0 ? "M" : "L") + x(points[k]) + " " + (TOP + r * ROW + BOX / 2) + " ";
      });
      svg.appendChild(el("path", { d: d, "class": "lp-path" }));
      part.longest.forEach(function (i, k) {
        var r = rowOf.get(data.ops[i].c);
        svg.appendChild(el("circle", { cx: x(points[k]), cy: TOP + r * ROW + BOX / 2, r: 3, "class": "lp" }));
        if (unit >= 14) svg.appendChild(el("text", { x: x(points[k]) + 3, y: TOP + r * ROW - 1, "class": "lp-num" }, String(k + 1)));
      });
    }
    timeline.appendChild(labels);
    timeline.appendChild(svg);

    part.longest.forEach(function (i, k) {
      var tr = document.createElement("tr");
      [String(k + 1), String(data.ops[i].c), data.ops[i].d, part.states[k] === undefined ? "" : part.states[k]].forEach(function (t, col) {
        var td = document.createElement("td");
        td.textContent = t;
        if (col === 3) td.className = "state";
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    if (part.illegal !== null) {
      var tr = document.createElement("tr");
      tr.className = "illegal";
      ["\\u2717", String(data.ops[part.illegal].c), data.ops[part.illegal].d, "cannot take effect here"].forEach(function (t) {
        var td = document.createElement("td");
        td.textContent = t;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
      // bring the violation into view
      var bad = svg.querySelector(".op.illegal rect");
      if (bad) {
        timeline.scrollLeft = Math.max(0, Number(bad.getAttribute("x")) + LABELS - timeline.clientWidth / 2);
        timeline.scrollTop = Math.max(0, Number(bad.getAttribute("y")) - timeline.clientHeight / 2);
      }
    }
    document.getElementById("sequence-title").textContent = "Longest partial linearization (" + part.label + ", " + part.longest.length + " of " + part.ops.length + " operations)";
  }
  draw();
})();
`;
