import { describe, expect, it } from "vitest";
import { hasChromium, loadPage } from "../src/index.ts";

// Missing Chromium is a failure, not a skip: HTML views must be checked in a real browser.
describe("loadPage", () => {
  it("finds Chromium", () => {
    expect(hasChromium(), "install Chromium: apt-get install -y chromium").toBe(true);
  });

  it("reports visible text, console errors, page errors and blocked external requests", async () => {
    const html = `<!doctype html><html><head><title>t</title></head><body>
      <p>hello view</p><p style="display:none">hidden text</p>
      <img src="https://example.invalid/x.png">
      <script>console.error("boom");</script><script>throw new Error("early failure");</script>
      </body></html>`;
    const report = await loadPage(
      { html },
      { inspect: async (page) => page.evaluate<number>("document.querySelectorAll('p').length") },
    );
    expect(report.title).toBe("t");
    expect(report.text).toContain("hello view");
    expect(report.text).not.toContain("hidden text");
    expect(report.consoleErrors.some((e) => e.includes("boom"))).toBe(true);
    expect(report.pageErrors.some((e) => e.includes("early failure"))).toBe(true);
    expect(report.externalRequests).toEqual(["https://example.invalid/x.png"]);
    expect(report.extra).toBe(2);
  }, 60_000);

  it("reports a clean page as clean", async () => {
    const report = await loadPage({ html: "<!doctype html><title>ok</title><main>all fine</main>" });
    expect(report.consoleErrors).toEqual([]);
    expect(report.pageErrors).toEqual([]);
    expect(report.text).toBe("all fine");
  }, 60_000);
});
