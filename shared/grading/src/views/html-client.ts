/**
 * Style and script of the HTML trace view (plain browser JavaScript, no dependencies). Kept as
 * strings so the page is one self-contained file.
 */

export const PAGE_CSS = `
*{box-sizing:border-box}
html,body{margin:0;height:100%;font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111;background:#fff}
body{display:flex;flex-direction:column}
header{padding:6px 10px;border-bottom:1px solid #ddd;background:#fafafa}
.title{margin-bottom:4px}
#violation{background:#fee2e2;border:1px solid #dc2626;color:#7f1d1d;padding:4px 8px;margin:4px 0;border-radius:4px}
.note{color:#92400e;font-size:12px}
#controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin-top:4px}
.group{display:inline-flex;gap:4px;align-items:center;flex-wrap:wrap}
label.k{font-size:12px;border-radius:3px;padding:0 4px;cursor:pointer;user-select:none}
button{font:inherit;padding:0 8px;cursor:pointer}
main{flex:1;display:flex;min-height:0}
#stage{flex:1;position:relative;min-width:0}
#canvas{position:absolute;left:0;top:0;pointer-events:none}
#scroller{position:absolute;inset:0;overflow:auto}
#spacer{width:1px}
#tip{position:absolute;pointer-events:none;background:#111;color:#fff;padding:3px 6px;border-radius:3px;font:12px ui-monospace,monospace;max-width:520px;white-space:pre-wrap;word-break:break-all;z-index:2}
#details{width:340px;border-left:1px solid #ddd;padding:8px;overflow:auto;font-size:12px}
#details pre{white-space:pre-wrap;word-break:break-all;font:12px ui-monospace,monospace;background:#f4f4f5;padding:4px;margin:4px 0}
.muted{color:#666}
`;

export const CLIENT_JS = String.raw`
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("trace-data").textContent);
  var KINDS = D.kinds;
  var COLORS = { start: "#0891b2", send: "#2563eb", deliver: "#16a34a", drop: "#dc2626", duplicate: "#c026d3", timer: "#ca8a04",
    crash: "#7f1d1d", restart: "#0891b2", pause: "#d97706", resume: "#d97706", net: "#7c3aed", clock: "#0e7490", log: "#6b7280",
    fail: "#dc2626", client: "#1d4ed8" };
  var TINTS = ["rgba(59,130,246,0.10)", "rgba(16,185,129,0.12)", "rgba(168,85,247,0.10)", "rgba(234,179,8,0.12)", "rgba(236,72,153,0.10)"];
  var SHADE = { crashed: "rgba(75,85,99,0.28)", paused: "rgba(245,158,11,0.22)", isolated: "rgba(220,38,38,0.14)", block: "rgba(220,38,38,0.08)", clog: "rgba(234,88,12,0.10)" };
  var EV = D.ev; // [index, t, kind, lane, peer, msgId, description, detail, vc, node state]
  var N = EV.length;
  // BAND: the violation's bar and label get a band of their own below its row, so they cover no event.
  var HEADER = 26, GUTTER = 92, MIN_LANE = 110, BAND = 24;
  var stage = document.getElementById("stage");
  var canvas = document.getElementById("canvas");
  var ctx = canvas.getContext("2d");
  var scroller = document.getElementById("scroller");
  var spacer = document.getElementById("spacer");
  var tip = document.getElementById("tip");
  var details = document.getElementById("details");
  var rowH = 16;
  var hiddenKinds = {}, hiddenLanes = {};
  var rows = [], rowOf = new Int32Array(N), arrows = [], shades = [], laneX = [], laneW = MIN_LANE, visLanes = [];
  var selected = -1, hovered = -1, matches = [], matchAt = -1;
  // boxes: what the last frame drew as text (state tags, event labels, the violation label), for tests.
  var api = { ready: false, draws: 0, lastDrawMs: 0, events: N, rows: 0, violationRow: -1, boxes: [] };
  window.faultlineView = api;

  function kindName(e) { return KINDS[e[2]]; }

  function lowerBound(arr, x) {
    var lo = 0, hi = arr.length;
    while (lo < hi) { var m = (lo + hi) >> 1; if (arr[m] < x) lo = m + 1; else hi = m; }
    return lo;
  }

  function compute() {
    rows = [];
    rowOf.fill(-1);
    for (var k = 0; k < N; k++) {
      var e = EV[k];
      if (hiddenKinds[kindName(e)]) continue;
      if (e[3] >= 0 && hiddenLanes[e[3]]) continue;
      rowOf[k] = rows.length;
      rows.push(k);
    }
    visLanes = [];
    for (var l = 0; l < D.lanes.length; l++) if (!hiddenLanes[l]) visLanes.push(l);
    // messages: a send, then its deliveries (the second and later are duplicates) or its drop
    arrows = [];
    var sendOf = new Map(), delivered = new Map();
    for (var k2 = 0; k2 < N; k2++) {
      var ev = EV[k2], kind = kindName(ev), id = ev[5];
      if (id < 0) continue;
      if (kind === "send") { if (!sendOf.has(id)) sendOf.set(id, k2); continue; }
      if (kind !== "deliver" && kind !== "drop") continue;
      var s = sendOf.get(id);
      var n = (delivered.get(id) || 0);
      if (kind === "deliver") delivered.set(id, n + 1);
      if (s === undefined || rowOf[s] < 0 || rowOf[k2] < 0) continue;
      arrows.push({ r0: rowOf[s], r1: rowOf[k2], l0: EV[s][3], l1: ev[3], type: kind === "drop" ? "drop" : n > 0 ? "dup" : "msg", s: s, d: k2 });
    }
    // shading: crashed, paused, isolated, blocked or clogged links, partition groups
    shades = [];
    var open = {};
    function startShade(key, lane, kind, at, label) { if (open[key]) return; open[key] = { lane: lane, kind: kind, from: at, label: label }; }
    function endShade(key, at) { var o = open[key]; if (!o) return; delete open[key]; shades.push({ lane: o.lane, kind: o.kind, from: o.from, to: at, label: o.label }); }
    function endWhere(pred, at) { Object.keys(open).forEach(function (key) { if (pred(key, open[key])) endShade(key, at); }); }
    for (var k3 = 0; k3 < N; k3++) {
      var x = EV[k3], kn = kindName(x), lane = x[3], text = x[7] || "";
      if (kn === "crash") startShade("crash:" + lane, lane, "crashed", k3, "crashed");
      else if (kn === "restart" || kn === "start") endShade("crash:" + lane, k3);
      else if (kn === "pause") startShade("pause:" + lane, lane, "paused", k3, "paused");
      else if (kn === "resume") endShade("pause:" + lane, k3);
      else if (kn === "net") {
        var m;
        if (text === "heal") endWhere(function (key) { return /^(part|iso|block|clog):/.test(key); }, k3);
        else if ((m = /^partition (.*)$/.exec(text))) {
          endWhere(function (key) { return /^(part|block):/.test(key); }, k3);
          m[1].split("|").forEach(function (g, gi) {
            g.replace(/[\[\]]/g, " ").trim().split(/\s+/).forEach(function (id) {
              var li = D.lanes.indexOf(id);
              if (li >= 0) startShade("part:" + li, li, "group" + gi, k3, "partition group " + (gi + 1));
            });
          });
        } else if ((m = /^isolate (\S+)/.exec(text))) { var il = D.lanes.indexOf(m[1]); if (il >= 0) startShade("iso:" + il, il, "isolated", k3, "isolated"); }
        else if ((m = /^reconnect (\S+)/.exec(text))) { var rl = D.lanes.indexOf(m[1]); endShade("iso:" + rl, k3); endWhere(function (key, o) { return /^block:/.test(key) && o.lane === rl; }, k3); }
        else if ((m = /^block (\S+)->(\S+)/.exec(text))) { var bl = D.lanes.indexOf(m[1]); if (bl >= 0) startShade("block:" + m[1] + ">" + m[2], bl, "block", k3, "cannot send to " + m[2]); }
        else if ((m = /^unblock (\S+)->(\S+)/.exec(text))) endShade("block:" + m[1] + ">" + m[2], k3);
        else if ((m = /^clog (\S+)->(\S+)/.exec(text))) { var cl = D.lanes.indexOf(m[1]); if (cl >= 0) startShade("clog:" + m[1] + ">" + m[2], cl, "clog", k3, "link to " + m[2] + " held"); }
        else if ((m = /^unclog (\S+)->(\S+)/.exec(text))) endShade("clog:" + m[1] + ">" + m[2], k3);
      }
    }
    endWhere(function () { return true; }, N);
    shades.forEach(function (sh) { sh.r0 = lowerBound(rows, sh.from); sh.r1 = lowerBound(rows, sh.to); });
    api.rows = rows.length;
    api.arrowKinds = {};
    arrows.forEach(function (a) { api.arrowKinds[a.type] = (api.arrowKinds[a.type] || 0) + 1; });
    api.shadeKinds = {};
    shades.forEach(function (sh) { var k = /^group/.test(sh.kind) ? "partition" : sh.kind; api.shadeKinds[k] = (api.shadeKinds[k] || 0) + 1; });
    api.violationRow = D.violationAt >= 0 ? nearestRow(D.violationAt) : -1;
    layout();
  }

  function nearestRow(k) {
    var r = lowerBound(rows, k);
    if (r < rows.length && rows[r] === k) return r;
    return Math.max(0, Math.min(rows.length - 1, r - 1));
  }

  function layout() {
    var w = scroller.clientWidth, h = scroller.clientHeight;
    laneW = Math.max(MIN_LANE, Math.floor((w - GUTTER) / Math.max(1, visLanes.length)));
    laneX = [];
    visLanes.forEach(function (l, i) { laneX[l] = GUTTER + laneW * i + laneW / 2; });
    spacer.style.height = (HEADER + rows.length * rowH + bandH() + 40) + "px";
    spacer.style.width = Math.max(1, GUTTER + laneW * visLanes.length) + "px";
    var dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.floor(w * dpr));
    canvas.height = Math.max(1, Math.floor(h * dpr));
    canvas.style.width = w + "px";
    canvas.style.height = h + "px";
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    schedule();
  }

  var pending = false;
  function schedule() { if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; draw(); }); } }

  function bandH() { return api.violationRow >= 0 ? BAND : 0; }
  /** Top of row r in content coordinates: rows after the violation sit below its band. */
  function rowTop(r) { return HEADER + r * rowH + (api.violationRow >= 0 && r > api.violationRow ? BAND : 0); }
  function yOf(r, top) { return rowTop(r) + rowH / 2 - top; }
  /** The row at content height y, or -1 (above the rows, in the violation band, below the last). */
  function rowAt(y) {
    var off = y - HEADER, v = api.violationRow;
    if (v >= 0 && off >= (v + 1) * rowH) {
      if (off < (v + 1) * rowH + BAND) return -1;
      off -= BAND;
    }
    var r = Math.floor(off / rowH);
    return r >= 0 && r < rows.length ? r : -1;
  }
  /** The longest start of text that fits in px pixels with the current font, with an ellipsis when cut. */
  function fit(text, px) {
    if (px <= 0) return "";
    if (ctx.measureText(text).width <= px) return text;
    var lo = 0, hi = text.length;
    while (lo < hi) { var m = (lo + hi + 1) >> 1; if (ctx.measureText(text.slice(0, m) + "\u2026").width <= px) lo = m; else hi = m - 1; }
    return lo > 0 ? text.slice(0, lo) + "\u2026" : "";
  }
  function fmtT(t) { return Number.isInteger(t) ? String(t) : t.toFixed(3).replace(/0+$/, ""); }

  function draw() {
    var t0 = performance.now();
    var w = scroller.clientWidth, h = scroller.clientHeight, top = scroller.scrollTop, left = scroller.scrollLeft;
    ctx.clearRect(0, 0, w, h);
    ctx.save();
    ctx.translate(-left, 0);
    var boxes = [];
    var first = Math.max(0, Math.floor((top - HEADER - bandH()) / rowH) - 1);
    var last = Math.min(rows.length - 1, Math.ceil((top + h) / rowH) + 1);
    // shading
    shades.forEach(function (sh) {
      if (sh.r1 < first || sh.r0 > last || laneX[sh.lane] === undefined) return;
      ctx.fillStyle = SHADE[sh.kind] || TINTS[(+sh.kind.slice(5)) % TINTS.length];
      var y0 = yOf(sh.r0, top) - rowH / 2, y1 = yOf(sh.r1, top) - rowH / 2;
      ctx.fillRect(laneX[sh.lane] - laneW / 2 + 2, Math.max(HEADER, y0), laneW - 4, Math.min(h, y1) - Math.max(HEADER, y0));
      if (y0 >= HEADER && y0 < h) { ctx.fillStyle = "#555"; ctx.font = "10px system-ui,sans-serif"; ctx.fillText(sh.label, laneX[sh.lane] - laneW / 2 + 5, y0 + 10); }
    });
    // lane lines
    ctx.strokeStyle = "#d4d4d8"; ctx.lineWidth = 1;
    visLanes.forEach(function (l) { ctx.beginPath(); ctx.moveTo(laneX[l], HEADER); ctx.lineTo(laneX[l], h); ctx.stroke(); });
    // arrows
    for (var a = 0; a < arrows.length; a++) {
      var ar = arrows[a];
      if (ar.r0 > last || ar.r1 < first) continue;
      if (laneX[ar.l0] === undefined || laneX[ar.l1] === undefined) continue;
      var x0 = laneX[ar.l0], y0 = yOf(ar.r0, top), x1 = laneX[ar.l1], y1 = yOf(ar.r1, top);
      var hot = ar.s === selected || ar.d === selected || ar.s === hovered || ar.d === hovered;
      ctx.strokeStyle = ar.type === "drop" ? "#dc2626" : ar.type === "dup" ? "#c026d3" : hot ? "#1e3a8a" : "rgba(37,99,235,0.55)";
      ctx.lineWidth = hot ? 2 : 1;
      ctx.setLineDash(ar.type === "msg" ? [] : [4, 3]);
      var ex = ar.type === "drop" ? x0 + (x1 - x0) * 0.85 : x1, ey = ar.type === "drop" ? y0 + (y1 - y0) * 0.85 : y1;
      ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(ex, ey); ctx.stroke();
      ctx.setLineDash([]);
      if (ar.type === "drop") {
        ctx.strokeStyle = "#dc2626"; ctx.lineWidth = 2;
        ctx.beginPath(); ctx.moveTo(ex - 4, ey - 4); ctx.lineTo(ex + 4, ey + 4); ctx.moveTo(ex + 4, ey - 4); ctx.lineTo(ex - 4, ey + 4); ctx.stroke();
      } else {
        var ang = Math.atan2(y1 - y0, x1 - x0);
        ctx.fillStyle = ctx.strokeStyle;
        ctx.beginPath(); ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - 7 * Math.cos(ang - 0.4), y1 - 7 * Math.sin(ang - 0.4));
        ctx.lineTo(x1 - 7 * Math.cos(ang + 0.4), y1 - 7 * Math.sin(ang + 0.4));
        ctx.closePath(); ctx.fill();
      }
    }
    // events
    var labels = rowH >= 11;
    var fs = Math.min(12, rowH - 3);
    var plain = fs + "px ui-monospace,monospace", bold = "bold " + fs + "px ui-monospace,monospace";
    ctx.font = plain;
    for (var r = first; r <= last; r++) {
      var k = rows[r], e = EV[k], y = yOf(r, top), kind = kindName(e);
      if (e[3] < 0) {
        // a network-wide event: its text inside its own row, a dotted line across the lanes after it
        var nt = labels ? fit(e[6], laneW * visLanes.length - 8) : "", nw = nt ? ctx.measureText(nt).width + 8 : 0;
        ctx.strokeStyle = COLORS.net; ctx.setLineDash([2, 3]);
        ctx.beginPath(); ctx.moveTo(GUTTER + nw, y); ctx.lineTo(GUTTER + laneW * visLanes.length, y); ctx.stroke(); ctx.setLineDash([]);
        if (nt) {
          ctx.fillStyle = COLORS.net; ctx.fillText(nt, GUTTER + 4, y + 4);
          boxes.push({ type: "event", row: r, text: nt, x: GUTTER + 4 - left, y: y + 4 - fs, w: nw - 8, h: fs + 3 });
        }
      } else if (laneX[e[3]] !== undefined) {
        var x = laneX[e[3]];
        ctx.fillStyle = COLORS[kind] || "#444";
        ctx.beginPath(); ctx.arc(x, y, Math.max(2, Math.min(4.5, rowH / 3)), 0, 6.2832); ctx.fill();
        if (kind === "crash" || kind === "fail") { ctx.fillRect(x - laneW / 2 + 4, y - 1, laneW - 8, 2); }
        if (labels) {
          var tx = x + 7, room = laneW - 16;
          if (e[9]) {
            // what the node reported after this event: an amber tag before the description
            ctx.font = bold;
            var st = fit(e[9], room - 4), sw = ctx.measureText(st).width;
            ctx.fillStyle = "#fef3c7"; ctx.fillRect(tx - 2, y - rowH / 2 + 1, sw + 4, rowH - 2);
            ctx.fillStyle = "#92400e"; ctx.fillText(st, tx, y + 4);
            boxes.push({ type: "state", row: r, text: st, x: tx - 2 - left, y: y - rowH / 2 + 1, w: sw + 4, h: rowH - 2 });
            ctx.font = plain;
            tx += sw + 6; room -= sw + 6;
          }
          var txt = fit(e[6], room);
          if (txt) {
            ctx.fillStyle = COLORS[kind] || "#444";
            ctx.fillText(txt, tx, y + 4);
            boxes.push({ type: "event", row: r, text: txt, x: tx - left, y: y + 4 - fs, w: ctx.measureText(txt).width, h: fs + 3 });
          }
        }
      }
      if (k === selected || k === hovered || (matchAt >= 0 && matches[matchAt] === k)) {
        ctx.strokeStyle = k === selected ? "#111" : "#888"; ctx.lineWidth = 1.5;
        ctx.strokeRect(GUTTER - 2, y - rowH / 2, laneW * visLanes.length + 4, rowH);
      }
    }
    // the violation: a red bar under its row, and the label in the band below the bar
    if (api.violationRow >= first && api.violationRow <= last) {
      var vy = yOf(api.violationRow, top) + rowH / 2;
      ctx.fillStyle = "#dc2626";
      ctx.fillRect(0, vy, GUTTER + laneW * visLanes.length, 3);
      var v = D.violation;
      ctx.font = "bold 12px system-ui,sans-serif";
      var label = fit("\u2717 " + v.invariant + (v.node ? " at " + v.node : "") + ": " + v.message, Math.max(40, w - GUTTER - 20));
      var lw = ctx.measureText(label).width + 10;
      ctx.fillRect(left + GUTTER, vy + 4, lw, BAND - 6);
      ctx.fillStyle = "#fff";
      ctx.fillText(label, left + GUTTER + 5, vy + 4 + BAND - 11);
      boxes.push({ type: "violation", row: api.violationRow, text: label, x: GUTTER, y: vy + 4, w: lw, h: BAND - 6 });
      var vl = v.node ? D.lanes.indexOf(v.node) : -1;
      if (vl >= 0 && laneX[vl] !== undefined) { ctx.strokeStyle = "#dc2626"; ctx.lineWidth = 2.5; ctx.beginPath(); ctx.arc(laneX[vl], vy - rowH / 2, 9, 0, 6.2832); ctx.stroke(); }
    }
    ctx.restore();
    // time gutter (scrolls vertically only)
    ctx.fillStyle = "#fafafa"; ctx.fillRect(0, HEADER, GUTTER - 6, h);
    ctx.fillStyle = "#555"; ctx.font = Math.min(11, Math.max(8, rowH - 4)) + "px ui-monospace,monospace";
    var every = Math.max(1, Math.ceil(12 / rowH));
    for (var r2 = first; r2 <= last; r2++) {
      if (r2 % every) continue;
      var e2 = EV[rows[r2]];
      ctx.fillText(fmtT(e2[1]), 4, yOf(r2, top) + 4, GUTTER - 12);
    }
    // lane header (fixed)
    ctx.fillStyle = "#f4f4f5"; ctx.fillRect(0, 0, w, HEADER);
    ctx.strokeStyle = "#d4d4d8"; ctx.beginPath(); ctx.moveTo(0, HEADER - 0.5); ctx.lineTo(w, HEADER - 0.5); ctx.stroke();
    ctx.fillStyle = "#111"; ctx.font = "bold 12px system-ui,sans-serif";
    ctx.fillText("t (ms)", 4, 17);
    visLanes.forEach(function (l) {
      var x = laneX[l] - left;
      if (x < GUTTER - laneW / 2 || x > w + laneW) return;
      var name = D.lanes[l] + (D.nodes.indexOf(D.lanes[l]) < 0 ? " (client)" : "");
      ctx.fillText(name, x - ctx.measureText(name).width / 2, 17);
    });
    api.boxes = boxes;
    api.draws++;
    api.lastDrawMs = performance.now() - t0;
    api.firstVisibleRow = first;
    api.lastVisibleRow = last;
  }

  function scrollToRow(r, select) {
    if (r < 0 || r >= rows.length) return;
    scroller.scrollTop = Math.max(0, rowTop(r) - scroller.clientHeight / 2);
    if (select) selectEvent(rows[r]);
    schedule();
  }
  api.scrollToRow = scrollToRow;
  api.visibleRange = function () { return [api.firstVisibleRow, api.lastVisibleRow]; };

  function eventAt(px, py) {
    var r = rowAt(py + scroller.scrollTop);
    return r < 0 ? -1 : rows[r];
  }

  function vcText(vc) {
    if (!vc) return "";
    var parts = [];
    vc.forEach(function (n, i) { if (n > 0) parts.push(D.endpoints[i] + ":" + n); });
    return "{" + parts.join(", ") + "}";
  }

  function selectEvent(k) {
    selected = k;
    var e = EV[k];
    if (!e) return;
    var kind = kindName(e);
    var html = "<h3>#" + e[0] + " " + esc(kind) + "</h3>" +
      "<div>t = " + fmtT(e[1]) + " ms</div>" +
      "<div>at " + esc(e[3] >= 0 ? D.lanes[e[3]] : "network") + (e[4] >= 0 ? (kind === "send" || kind === "duplicate" ? " to " : " from ") + esc(D.lanes[e[4]]) : "") + "</div>" +
      (e[5] >= 0 ? "<div>message #" + e[5] + "</div>" : "") +
      "<pre>" + esc(e[6]) + "</pre>" +
      (e[9] ? "<div class=muted>" + esc(D.lanes[e[3]]) + " reported afterwards (its hooks)</div><pre>" + esc(e[9]) + "</pre>" : "") +
      (e[7] && e[7] !== e[6] ? "<div class=muted>detail</div><pre>" + esc(e[7]) + "</pre>" : "") +
      (e[8] ? "<div class=muted>vector clock (ground truth)</div><pre>" + esc(vcText(e[8])) + "</pre>" : "");
    if (e[5] >= 0) {
      var rel = arrows.filter(function (a) { return a.s === k || a.d === k; });
      if (rel.length) html += "<div class=muted>" + rel.map(function (a) { return a.s === k ? (a.type === "drop" ? "dropped" : "delivered") + " at t=" + fmtT(EV[a.d][1]) : "sent at t=" + fmtT(EV[a.s][1]); }).join("; ") + "</div>";
    }
    details.innerHTML = html;
    schedule();
  }

  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }

  scroller.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", layout);
  scroller.addEventListener("mousemove", function (ev) {
    var rect = scroller.getBoundingClientRect();
    var k = eventAt(ev.clientX - rect.left, ev.clientY - rect.top);
    if (k !== hovered) { hovered = k; schedule(); }
    if (k < 0) { tip.hidden = true; return; }
    var e = EV[k];
    tip.textContent = "t=" + fmtT(e[1]) + " " + (e[3] >= 0 ? D.lanes[e[3]] : "net") + " " + (e[9] ? "[" + e[9] + "] " : "") + e[6];
    tip.style.left = Math.min(ev.clientX - rect.left + 14, rect.width - 300) + "px";
    tip.style.top = (ev.clientY - rect.top + 14) + "px";
    tip.hidden = false;
  });
  scroller.addEventListener("mouseleave", function () { tip.hidden = true; hovered = -1; schedule(); });
  scroller.addEventListener("click", function (ev) {
    var rect = scroller.getBoundingClientRect();
    var k = eventAt(ev.clientX - rect.left, ev.clientY - rect.top);
    if (k >= 0) selectEvent(k);
  });

  function zoom(f) {
    var mid = (scroller.scrollTop + scroller.clientHeight / 2 - HEADER) / rowH;
    rowH = Math.max(3, Math.min(40, Math.round(rowH * f)));
    layout();
    scroller.scrollTop = Math.max(0, HEADER + mid * rowH - scroller.clientHeight / 2);
  }
  document.getElementById("zoomIn").onclick = function () { zoom(1.5); };
  document.getElementById("zoomOut").onclick = function () { zoom(1 / 1.5); };
  scroller.addEventListener("wheel", function (ev) { if (ev.ctrlKey) { ev.preventDefault(); zoom(ev.deltaY < 0 ? 1.25 : 0.8); } }, { passive: false });

  var search = document.getElementById("search"), found = document.getElementById("found");
  search.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter") return;
    var q = search.value.toLowerCase();
    if (!q) { matches = []; matchAt = -1; found.textContent = ""; schedule(); return; }
    matches = rows.filter(function (k) { return (EV[k][6] + " " + EV[k][7] + " " + EV[k][9]).toLowerCase().indexOf(q) >= 0; });
    if (!matches.length) { found.textContent = "no match"; matchAt = -1; schedule(); return; }
    matchAt = (matchAt + 1) % matches.length;
    found.textContent = (matchAt + 1) + "/" + matches.length;
    scrollToRow(rowOf[matches[matchAt]], true);
  });

  function filterBox(container, label, color, onChange) {
    var l = document.createElement("label");
    l.className = "k";
    l.style.background = color;
    var c = document.createElement("input");
    c.type = "checkbox"; c.checked = true;
    c.onchange = function () { onChange(!c.checked); };
    l.appendChild(c);
    l.appendChild(document.createTextNode(label));
    container.appendChild(l);
  }
  var present = {};
  EV.forEach(function (e) { present[kindName(e)] = true; });
  var kf = document.getElementById("kindFilters");
  KINDS.forEach(function (k) { if (present[k]) filterBox(kf, k, "rgba(0,0,0,0.04)", function (hide) { hiddenKinds[k] = hide; compute(); }); });
  var lf = document.getElementById("laneFilters");
  if (D.lanes.length > 1) D.lanes.forEach(function (name, i) { filterBox(lf, name, "rgba(37,99,235,0.08)", function (hide) { hiddenLanes[i] = hide; compute(); }); });

  var jump = document.getElementById("jump");
  if (jump) jump.onclick = function () { scrollToRow(api.violationRow, true); };

  compute();
  if (api.violationRow >= 0) { scroller.scrollTop = Math.max(0, rowTop(api.violationRow) - scroller.clientHeight * 0.6); selectEvent(rows[api.violationRow]); }
  draw();
  api.ready = true;
})();
`;
