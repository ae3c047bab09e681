/// <reference lib="dom" />
/** The HTML trace view in a real headless Chromium (Debian's chromium, driven by playwright-core). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasChromium, loadPage, type LoadOptions } from "@faultline/testkit";
import { gradeScenario, loadGrader, renderHtmlView, WorkerPool } from "../src/index.ts";
import { busyTrace, ECHO_GRADER, tempDir, removeTemp } from "./helpers.ts";

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
      ready: v.ready, rows, events: v.events, violationRow: v.violationRow, draws: v.draws, lastDrawMs: v.lastDrawMs,
      arrowKinds: v.arrowKinds, shadeKinds: v.shadeKinds, range, redPixels: red, banner: document.getElementById("violation")?.textContent ?? "", slowestScrollMs: slowest, afterFilterRows,
    };
  });
};

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
      const r = await gradeScenario(lab, lab.scenarios[0]!, { lab: "echo", graderModule: ECHO_GRADER, impl: "mutant:wrong-text", pool, traceDir: tempDir(), seeds: [1] });
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

  it("renders a passing run (no violation) and an empty trace without errors", async () => {
    const ok = await busyTrace(300, false);
    const empty = { ...ok, events: [], eventCount: 0 };
    for (const t of [ok, empty]) {
      const report = await loadPage({ html: renderHtmlView(t) }, {
        timeoutMs: 45_000,
        inspect: async (page) => {
          await page.waitForFunction("window.faultlineView && window.faultlineView.ready", undefined, { timeout: 20_000 });
          return page.evaluate("({ rows: window.faultlineView.rows, violationRow: window.faultlineView.violationRow })");
        },
      });
      expect(report.pageErrors).toEqual([]);
      expect(report.consoleErrors).toEqual([]);
      expect(report.extra).toEqual({ rows: t.events.length, violationRow: -1 });
      expect(report.text).not.toContain("Violated");
    }
  }, 60_000);
});
