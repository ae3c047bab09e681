/// <reference lib="dom" />
/** The HTML trace view in a real headless Chromium (Debian's chromium, driven by playwright-core). */
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasChromium, loadPage, type LoadOptions } from "@faultline/testkit";
import { gradeScenario, loadGrader, renderHtmlView, WorkerPool } from "../src/index.ts";
import { busyTrace, ECHO_GRADER, stateTrace, tempDir, removeTemp } from "./helpers.ts";

interface ViewState {
  ready: boolean;
  rows: number;
  events: number;
  violationRow: number;
  draws: number;
  lastDrawMs: number;
  range: [number, number];
  redPixels: number;
  banner: string;
  slowestScrollMs: number;
  afterFilterRows: number;
  arrowKinds: Record<string, number>;
  shadeKinds: Record<string, number>;
}

/** Reads the page's state, scrolls through it, counts the violation's red pixels, filters a kind. */
const inspect: NonNullable<LoadOptions["inspect"]> = async (page): Promise<ViewState> => {
  await page.waitForFunction("window.faultlineView && window.faultlineView.ready", undefined, { timeout: 20_000 });
  await page.waitForTimeout(100);
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the view's test hooks, read as the page exposes them
    const w = window as unknown as { faultlineView: Record<string, any> };
    const v = w.faultlineView;
    const canvas = document.getElementById("canvas") as HTMLCanvasElement;
    const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let red = 0;
    for (let i = 0; i < img.length; i += 4) if (img[i]! > 200 && img[i + 1]! < 60 && img[i + 2]! < 60) red++;
    const range = v.visibleRange() as [number, number];
    const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));
    let slowest = 0;
    const scroller = document.getElementById("scroller") as HTMLElement;
    for (const f of [0, 0.25, 0.5, 0.75, 1]) {
      scroller.scrollTop = f * (scroller.scrollHeight - scroller.clientHeight);
      await frame();
      await frame();
      slowest = Math.max(slowest, v.lastDrawMs);
    }
    const rows = v.rows as number;
    const box = document.querySelector("#kindFilters input") as HTMLInputElement;
    box.click();
    const afterFilterRows = v.rows;
    return {
      ready: v.ready,
      rows,
      events: v.events,
      violationRow: v.violationRow,
      draws: v.draws,
      lastDrawMs: v.lastDrawMs,
      arrowKinds: v.arrowKinds,
      shadeKinds: v.shadeKinds,
      range,
      redPixels: red,
      banner: document.getElementById("violation")?.textContent ?? "",
      slowestScrollMs: slowest,
      afterFilterRows,
    };
  });
};

interface Box {
  type: "state" | "event" | "violation";
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Pixels {
  total: number;
  red: number;
  white: number;
  amber: number;
  brown: number;
}

interface Screenshot {
  boxes: Box[];
  violationPixels: Pixels;
  tagPixels: Pixels[];
}

function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/**
 * Takes a screenshot of the page as it shows (saved to `file`), then reads its pixels inside the
 * boxes the view says it drew text in: the violation label and the first few state tags.
 */
async function inspectScreenshot(
  page: Parameters<NonNullable<LoadOptions["inspect"]>>[0],
  file: string,
): Promise<Screenshot> {
  await page.waitForFunction(
    "window.faultlineView && window.faultlineView.ready && window.faultlineView.draws > 0",
    undefined,
    { timeout: 20_000 },
  );
  await page.waitForTimeout(100);
  const png = await page.screenshot({ path: file });
  return page.evaluate(async (b64) => {
    const v = (window as unknown as { faultlineView: { boxes: Box[] } }).faultlineView;
    const origin = (document.getElementById("canvas") as HTMLCanvasElement).getBoundingClientRect();
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext("2d") as CanvasRenderingContext2D;
    g.drawImage(img, 0, 0);
    const scale = img.width / window.innerWidth;
    const count = (b: Box): Pixels => {
      const x = Math.round((origin.left + b.x) * scale),
        y = Math.round((origin.top + b.y) * scale);
      const d = g.getImageData(x, y, Math.max(1, Math.round(b.w * scale)), Math.max(1, Math.round(b.h * scale))).data;
      const p = { total: 0, red: 0, white: 0, amber: 0, brown: 0 };
      for (let i = 0; i < d.length; i += 4) {
        const r = d[i]!,
          gr = d[i + 1]!,
          bl = d[i + 2]!;
        p.total++;
        if (r > 190 && gr < 80 && bl < 80) p.red++;
        if (r > 235 && gr > 235 && bl > 235) p.white++;
        if (r > 245 && gr > 230 && bl > 180 && bl < 215) p.amber++;
        if (r > 110 && r < 180 && gr > 40 && gr < 100 && bl < 50) p.brown++;
      }
      return p;
    };
    const violation = v.boxes.find((b) => b.type === "violation");
    return {
      boxes: v.boxes,
      violationPixels: violation ? count(violation) : { total: 1, red: 0, white: 0, amber: 0, brown: 0 },
      // tags wholly on screen (rows half under the lane header or the bottom edge are drawn too)
      tagPixels: v.boxes
        .filter((b) => b.type === "state" && b.y >= 26 && b.y + b.h <= origin.height && b.x + b.w <= origin.width)
        .slice(0, 8)
        .map(count),
    };
  }, png.toString("base64"));
}

afterAll(removeTemp);

describe("the HTML trace view in Chromium", () => {
  it("has Chromium to test with", () => {
    expect(hasChromium(), "install Chromium: apt-get install -y chromium").toBe(true);
  });

  it("shows the violation of a failing grading run, without console errors", async () => {
    const lab = await loadGrader(ECHO_GRADER);
    const pool = new WorkerPool(1);
    let file: string;
    try {
      const r = await gradeScenario(lab, lab.scenarios[0]!, {
        lab: "echo",
        graderModule: ECHO_GRADER,
        impl: "mutant:wrong-text",
        pool,
        traceDir: tempDir(),
        seeds: [1],
      });
      file = r.firstFailure!.traceFiles.find((f) => f.endsWith(".html"))!;
    } finally {
      await pool.close();
    }
    const report = await loadPage({ file }, { inspect, timeoutMs: 45_000 });
    expect(report.pageErrors).toEqual([]);
    expect(report.consoleErrors).toEqual([]);
    expect(report.externalRequests).toEqual([]);
    const s = report.extra as ViewState;
    expect(s.ready).toBe(true);
    expect(report.text).toContain("Violated: echo is exact");
    expect(s.banner).toMatch(/sent "hello \d+", got back "HELLO \d+"/);
    expect(s.violationRow).toBeGreaterThanOrEqual(0);
    expect(s.violationRow).toBeGreaterThanOrEqual(s.range[0]);
    expect(s.violationRow).toBeLessThanOrEqual(s.range[1]);
    expect(s.redPixels).toBeGreaterThan(200); // the violation line and label are drawn
    expect(s.afterFilterRows).toBeLessThan(s.rows);
  }, 60_000);

  it("stays readable and fluid at 10,000 events", async () => {
    const trace = await busyTrace(10_000);
    expect(trace.events.length).toBeGreaterThanOrEqual(10_000);
    const file = join(tempDir(), "big.html");
    writeFileSync(file, renderHtmlView(trace));
    const report = await loadPage({ file }, { inspect, timeoutMs: 45_000 });
    expect(report.pageErrors).toEqual([]);
    expect(report.consoleErrors).toEqual([]);
    const s = report.extra as ViewState;
    expect(s.events).toBe(trace.events.length);
    expect(s.rows).toBe(trace.events.length);
    expect(s.range[1] - s.range[0]).toBeLessThan(200); // only the visible rows are drawn
    expect(s.violationRow).toBeGreaterThanOrEqual(s.range[0]);
    expect(s.violationRow).toBeLessThanOrEqual(s.range[1]);
    expect(s.slowestScrollMs).toBeLessThan(100);
    expect(s.banner).toContain("pings are answered");
    // messages as arrows, drops and duplicate copies marked; crash, pause, isolation and partition shaded
    expect(s.arrowKinds.msg).toBeGreaterThan(1000);
    expect(s.arrowKinds.drop).toBeGreaterThan(10);
    expect(s.arrowKinds.dup).toBeGreaterThan(10);
    expect(s.shadeKinds).toMatchObject({ crashed: 1, paused: 1, isolated: 1, partition: 4 });
  }, 60_000);

  it("shows what each node reported beside its events, and the violation label covers none of them (screenshot)", async () => {
    const trace = await stateTrace();
    const shot = join(process.env.FAULTLINE_SCREENSHOTS ?? tempDir(), "trace-state-tags.png");
    const report = await loadPage(
      { html: renderHtmlView(trace) },
      { timeoutMs: 45_000, viewport: { width: 1100, height: 700 }, inspect: (page) => inspectScreenshot(page, shot) },
    );
    expect(report.pageErrors).toEqual([]);
    expect(report.consoleErrors).toEqual([]);
    expect(statSync(shot).size).toBeGreaterThan(1000);
    const s = report.extra as Screenshot;
    const violation = s.boxes.find((b) => b.type === "violation")!;
    expect(violation, "the violation label is on screen").toBeDefined();
    expect(violation.text).toMatch(/^✗ a node answers at most a few pings: n\d answered 7 pings/);
    // the tags: the nodes' reported values, as the trace holds them, drawn on screen
    const tags = s.boxes.filter((b) => b.type === "state");
    expect(tags.length).toBeGreaterThan(10);
    const reported = new Set(trace.events.filter((e) => e.state).map((e) => `answered=${e.state?.answered}`));
    for (const t of tags) expect(reported.has(t.text), t.text).toBe(true);
    expect(tags.map((t) => t.text)).toContain("answered=7");
    // nothing drawn as text touches the label: not the tags, not the rows after it (the VIOLATION note)
    const overlapping = s.boxes.filter((b) => b !== violation && intersects(b, violation));
    expect(overlapping).toEqual([]);
    expect(
      s.boxes.some((b) => b.type === "event" && b.y > violation.y + violation.h && b.text.startsWith("VIOLATION ")),
    ).toBe(true);
    // and the screenshot shows them: white text on red in the label, brown text on amber in the tags
    expect(s.violationPixels.red / s.violationPixels.total).toBeGreaterThan(0.5);
    expect(s.violationPixels.white).toBeGreaterThan(50);
    expect(s.tagPixels.length).toBeGreaterThan(4);
    for (const p of s.tagPixels) {
      expect(p.amber / p.total).toBeGreaterThan(0.3);
      expect(p.brown).toBeGreaterThan(5);
    }
  }, 60_000);

  it("renders a passing run (no violation) and an empty trace without errors", async () => {
    const ok = await busyTrace(300, false);
    const empty = { ...ok, events: [], eventCount: 0 };
    for (const t of [ok, empty]) {
      const report = await loadPage(
        { html: renderHtmlView(t) },
        {
          timeoutMs: 45_000,
          inspect: async (page) => {
            await page.waitForFunction("window.faultlineView && window.faultlineView.ready", undefined, {
              timeout: 20_000,
            });
            return page.evaluate(
              "({ rows: window.faultlineView.rows, violationRow: window.faultlineView.violationRow })",
            );
          },
        },
      );
      expect(report.pageErrors).toEqual([]);
      expect(report.consoleErrors).toEqual([]);
      expect(report.extra).toEqual({ rows: t.events.length, violationRow: -1 });
      expect(report.text).not.toContain("Violated");
    }
  }, 60_000);
});
