import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SHIVIZ_REGEX, type TraceFile } from "@faultline/sim";
import {
  htmlWindow,
  readTraceFile,
  renderHtmlView,
  renderTextView,
  traceJsonFor,
  violationPosition,
  writeTraceFiles,
} from "../src/index.ts";
import { busyTrace, tempDir, removeTemp } from "./helpers.ts";

const trace = await busyTrace(600);

afterAll(removeTemp);

describe("the text view", () => {
  it("puts each node in its own column, with the time on the left", () => {
    const text = renderTextView(trace, { width: 240 });
    const lines = text.split("\n");
    const header = lines.find((l) => l.includes("time (ms)"))!;
    const cols = ["n1", "n2", "n3", "n4"].map((n) => header.indexOf(n));
    expect(cols.every((c, i) => c > 0 && (i === 0 || c > (cols[i - 1] as number)))).toBe(true);
    const send = lines.find((l) => /→ n\d #\d+ \{"type":"ping"/.test(l))!;
    expect(send).toMatch(/^\s+\d+(\.\d+)? /);
    // an n3 event starts in n3's column
    const n3 = trace.events.find((e) => e.node === "n3" && e.kind === "timer")!;
    const line = lines.find(
      (l) =>
        l.startsWith(String(n3.t).padStart(10)) &&
        l.includes("timer tick") &&
        l.indexOf("timer tick") >= (cols[2] as number) &&
        l.indexOf("timer tick") < (cols[3] as number),
    );
    expect(line).toBeDefined();
    expect(text).not.toContain("\x1b[");
  });

  it("marks the violation and describes faults", () => {
    const text = renderTextView(trace);
    expect(text).toContain("violation: pings are answered at n2");
    expect(text).toContain("━━ VIOLATED: pings are answered at n2");
    expect(text).toContain("partition [n1 n2] | [n3 n4]");
    expect(text).toMatch(/crash n3/);
    expect(text).toMatch(/✗ drop #\d+ from n\d \((loss|partition|node down)\)/);
    expect(text).toMatch(/\+ duplicate #\d+ → n\d x2/);
  });

  it("filters by node, kind and time, and colors by kind on request", () => {
    const only = renderTextView(trace, { nodes: ["n1", "n2"], kinds: ["send"], from: 50, to: 150 });
    const body = only
      .split("\n")
      .slice(only.split("\n").findIndex((l) => l.startsWith("─")) + 1)
      .filter((l) => /^\s+\d/.test(l));
    expect(body.length).toBeGreaterThan(0);
    for (const l of body) {
      const t = Number(l.trim().split(" ")[0]);
      expect(t).toBeGreaterThanOrEqual(50);
      expect(t).toBeLessThanOrEqual(150);
      expect(l).toContain("→");
    }
    expect(only).toContain("filter: nodes n1,n2; kinds send; t in [50, 150] ms");
    expect(() => renderTextView(trace, { nodes: ["n9"] })).toThrow(/unknown node "n9"; this trace has: n1, n2, n3, n4/);
    const colored = renderTextView(trace, { color: true, kinds: ["drop"] });
    expect(colored).toContain("\x1b[31m✗ drop");
    expect(renderTextView(trace, { from: 1e9 })).toContain("(no events match the filter)");
  });
});

describe("the HTML view", () => {
  it("is one self-contained page that embeds the events safely", () => {
    const nasty: TraceFile = {
      ...trace,
      events: trace.events.map((e, i) =>
        i === 3 ? { ...e, kind: "log", text: "</script><script>alert(1)</script>" } : e,
      ),
    };
    const html = renderHtmlView(nasty);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!bestchai)/);
    expect(html.match(/<\/script>/g)?.length).toBe(2);
    expect(html).toContain("Violated: pings are answered");
  });

  it("keeps a bounded window around the violation of a huge trace", () => {
    const big: TraceFile = {
      ...trace,
      events: Array.from({ length: 50_000 }, (_, i) => ({ i, t: i, kind: "log" as const, node: "n1", text: `e${i}` })),
      eventCount: 50_000,
    };
    big.violation = { invariant: "x", message: "y", t: 30_000, eventIndex: 30_000 };
    expect(violationPosition(big)).toBe(30_000);
    const w = htmlWindow(big, 20_000);
    expect(w.to - w.from).toBe(20_000);
    expect(w.from).toBeLessThan(30_000);
    expect(w.to).toBeGreaterThan(30_000 + 1000);
    const html = renderHtmlView(big);
    expect(html).toContain("this page shows events #");
    expect(html.length).toBeLessThan(5_000_000);
    const noViolation = { ...big, violation: undefined };
    expect(htmlWindow(noViolation, 1000)).toEqual({ from: 0, to: 1000 });
  });
});

describe("trace files", () => {
  it("writes the JSON, the HTML, the text view and a ShiViz log, the HTML first", () => {
    const dir = tempDir();
    const files = writeTraceFiles(trace, join(dir, "run.seed7"));
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      "run.seed7.html",
      "run.seed7.json",
      "run.seed7.txt",
      "run.seed7.shiviz.log",
    ]);
    for (const f of files) expect(existsSync(f)).toBe(true);
    const back = readTraceFile(files[1] as string);
    expect(back.hash).toBe(trace.hash);
    expect(back.events.length).toBe(trace.events.length);
    const shiviz = readFileSync(files[3] as string, "utf8").split("\n");
    expect(shiviz[0]).toBe(SHIVIZ_REGEX);
    expect(shiviz[2]).toMatch(/^n\d \{.*\}$/);
    expect(traceJsonFor(files[0] as string)).toBe(files[1]);
    expect(traceJsonFor(files[3] as string)).toBe(files[1]);
    expect(() => readTraceFile(files[2] as string)).toThrow(/is not a faultline trace/);
  });
});
