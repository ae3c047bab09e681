/**
 * The HTML view, checked in a real headless Chromium: it loads without errors or outside
 * requests and shows the violation (verdict, the operation that cannot take effect, in view).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPage } from "@faultline/testkit";
import { describe, expect, it } from "vitest";
import {
  casRegisterModel,
  checkLinearizability,
  describeOperation,
  kvModel,
  parseJepsenLog,
  parsePorcupineKv,
  renderHistoryHtml,
} from "../src/index.ts";

const dataDir = join(dirname(fileURLToPath(import.meta.url)), "..", "data", "porcupine");

/** Whether the first element matching `selector` is inside the visible part of #timeline. */
const illegalInView = `(() => {
  const box = document.querySelector(".op.illegal rect");
  if (!box) return "missing";
  const r = box.getBoundingClientRect();
  const t = document.getElementById("timeline").getBoundingClientRect();
  return r.left >= t.left && r.right <= t.right && r.top >= t.top && r.bottom <= t.bottom ? "visible" : "hidden";
})()`;

describe("HTML view in a browser", () => {
  it("shows a violating etcd history: verdict, the operation that cannot take effect, in view", async () => {
    const ops = parseJepsenLog(readFileSync(join(dataDir, "jepsen", "etcd_000.log"), "utf8"), "etcd_000.log");
    const result = checkLinearizability(casRegisterModel, ops);
    expect(result.firstIllegal).not.toBeNull();
    const html = renderHistoryHtml(casRegisterModel, ops, result, { title: "etcd_000.log" });
    const page = await loadPage(
      { html },
      {
        inspect: (p) =>
          p.evaluate(
            `[document.querySelectorAll(".op").length, document.querySelectorAll(".lp").length, ${illegalInView}]`,
          ),
      },
    );
    expect(page.consoleErrors).toEqual([]);
    expect(page.pageErrors).toEqual([]);
    expect(page.externalRequests).toEqual([]);
    expect(page.title).toBe("etcd_000.log");
    expect(page.text).toContain("Not linearizable");
    expect(page.text).toContain(
      `Cannot take effect: ${describeOperation(casRegisterModel, ops[result.firstIllegal as number] as (typeof ops)[number])}`,
    );
    const [boxes, points, illegal] = page.extra as [number, number, string];
    expect(boxes).toBe(ops.length);
    expect(points).toBe(result.partitions[0]?.longest.length);
    expect(illegal).toBe("visible");
  }, 60_000);

  it("stays usable with 2000 operations in 10 partitions, opening on the violating one", async () => {
    const ops = parsePorcupineKv(readFileSync(join(dataDir, "kv", "c50-bad.txt"), "utf8"), "c50-bad.txt");
    const result = checkLinearizability(kvModel, ops);
    const failing = result.partitions.find((p) => p.verdict === "not linearizable");
    const html = renderHistoryHtml(kvModel, ops, result, { title: "c50-bad.txt" });
    const page = await loadPage(
      { html },
      {
        inspect: (p) =>
          p.evaluate(
            `[document.querySelectorAll(".op").length, document.querySelectorAll("#partition option").length, ${illegalInView}]`,
          ),
      },
    );
    expect(page.consoleErrors).toEqual([]);
    expect(page.pageErrors).toEqual([]);
    expect(page.text).toContain("Not linearizable");
    const [boxes, options, illegal] = page.extra as [number, number, string];
    expect(boxes).toBe(failing?.operations.length);
    expect(options).toBe(10);
    expect(illegal).toBe("visible");
  }, 60_000);

  it("shows a linearizable history with its full linearization", async () => {
    const ops = parseJepsenLog(readFileSync(join(dataDir, "jepsen", "etcd_005.log"), "utf8"), "etcd_005.log");
    const result = checkLinearizability(casRegisterModel, ops);
    const page = await loadPage(
      { html: renderHistoryHtml(casRegisterModel, ops, result) },
      { inspect: (p) => p.evaluate(`document.querySelectorAll(".lp").length`) },
    );
    expect(page.consoleErrors).toEqual([]);
    expect(page.pageErrors).toEqual([]);
    expect(page.text).toContain("Linearizable");
    expect(page.text).not.toContain("Cannot take effect");
    expect(page.extra).toBe(ops.length);
  }, 60_000);
});
