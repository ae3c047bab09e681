/**
 * Loads an HTML page in headless Chromium and reports what a person would see: the visible
 * text, console errors, uncaught page errors and any attempt to fetch something from outside
 * (a self-contained view must not). Used by packages that ship HTML views to test them in a
 * real browser.
 *
 * Chromium is the system package (Debian: `apt-get install -y chromium`), driven through
 * playwright-core, which downloads nothing. Every load gets a fresh temporary profile, and
 * closing is bounded in time: a browser that will not quit is killed by process id.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Where Debian and Ubuntu install Chromium. Override with FAULTLINE_CHROMIUM. */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface PageSource {
  /** An HTML file on disk, or */
  readonly file?: string;
  /** the HTML text itself (written to a temporary file so it loads with a file:// URL). */
  readonly html?: string;
}

export interface LoadOptions {
  /** Upper bound for launching, loading and inspecting, in ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Viewport size (default 1280×800). */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Extra work on the loaded page (clicks, queries); its result is returned as `extra`. */
  readonly inspect?: (page: Page) => Promise<unknown>;
}

export interface PageReport {
  readonly title: string;
  /** document.body.innerText: the text a reader sees (hidden elements excluded). */
  readonly text: string;
  /** console.error messages. */
  readonly consoleErrors: readonly string[];
  /** Uncaught exceptions thrown by the page's scripts. */
  readonly pageErrors: readonly string[];
  /** URLs the page tried to fetch from anywhere but the page's own file (all were blocked). */
  readonly externalRequests: readonly string[];
  /** Whatever `inspect` returned. */
  readonly extra: unknown;
}

export function chromiumPath(): string {
  return process.env.FAULTLINE_CHROMIUM ?? DEFAULT_CHROMIUM_PATH;
}

/** True when the Chromium executable exists. */
export function hasChromium(): boolean {
  return existsSync(chromiumPath());
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Process ids whose command line mentions `marker` (our unique profile directory). */
function pidsWithArgument(marker: string): number[] {
  const pids: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

async function closeBounded(context: BrowserContext, profileDir: string, ms: number): Promise<void> {
  try {
    await withTimeout(context.close(), ms, "closing Chromium");
  } catch {
    // Chromium would not quit: kill exactly the processes started with our profile directory.
    for (const pid of pidsWithArgument(profileDir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

/**
 * Opens `source` in a fresh headless Chromium, waits for it to load, and reports what it shows.
 * Throws if Chromium is missing or the page does not load within the time bound.
 */
export async function loadPage(source: PageSource, options: LoadOptions = {}): Promise<PageReport> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if ((source.file === undefined) === (source.html === undefined))
    throw new Error("loadPage: give exactly one of file or html");
  const executablePath = chromiumPath();
  if (!existsSync(executablePath))
    throw new Error(
      `Chromium not found at ${executablePath}: install it (apt-get install -y chromium) or set FAULTLINE_CHROMIUM`,
    );
  const workDir = mkdtempSync(join(tmpdir(), "faultline-browser-"));
  const profileDir = join(workDir, "profile");
  let file = source.file === undefined ? undefined : resolve(source.file);
  if (source.html !== undefined) {
    file = join(workDir, "page.html");
    writeFileSync(file, source.html);
  }
  const pageUrl = pathToFileURL(file as string).href;
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1, deadline - Date.now());
  let context: BrowserContext | undefined;
  try {
    context = await withTimeout(
      chromium.launchPersistentContext(profileDir, {
        executablePath,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: options.viewport ?? { width: 1280, height: 800 },
        timeout: left(),
      }),
      left(),
      "launching Chromium",
    );
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const externalRequests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url === pageUrl || url.startsWith("data:")) return route.continue();
      externalRequests.push(url);
      return route.abort();
    });
    await withTimeout(page.goto(pageUrl, { waitUntil: "load", timeout: left() }), left(), "loading the page");
    const extra = options.inspect ? await withTimeout(options.inspect(page), left(), "inspecting the page") : undefined;
    const title = await page.title();
    const text = await withTimeout(
      page.evaluate<string>("document.body ? document.body.innerText : ''"),
      left(),
      "reading the page text",
    );
    return { title, text, consoleErrors, pageErrors, externalRequests, extra };
  } finally {
    if (context !== undefined) await closeBounded(context, profileDir, 10_000);
    rmSync(workDir, { recursive: true, force: true });
  }
}
