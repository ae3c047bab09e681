/** `faultline trace open|text|shiviz <file>`: the views of a trace written by a grading run. */
import { existsSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { toShiViz, type EventKind } from "@faultline/sim";
import {
  displayPath,
  isEventKind,
  EVENT_KINDS,
  readTraceFile,
  renderHtmlView,
  renderTextView,
  traceJsonFor,
} from "@faultline/grading";
import { parseCommand, say, UsageError, type Io } from "../io.ts";

const USAGE = "faultline trace open|text|shiviz <file> (the .json trace, or any of its views)";

function load(file: string | undefined, io: Io) {
  if (!file)
    throw new UsageError(
      `trace: which file?\nusage: ${USAGE}\n(traces are written to .faultline/traces/<lab>/ on failures and with grade --trace)`,
    );
  const path = traceJsonFor(resolve(io.cwd, file));
  if (!existsSync(path)) throw new UsageError(`trace: ${displayPath(path, io.cwd)} does not exist`);
  try {
    return { path, trace: readTraceFile(path) };
  } catch (err) {
    throw new UsageError(`trace: ${(err as Error).message}`);
  }
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`trace text: --${name} needs a number of ms, got "${v}"`);
  return n;
}

/** A graphical session where a browser can open: a display on Linux, or macOS/Windows. */
function hasDisplay(): boolean {
  if (process.platform === "darwin" || process.platform === "win32") return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

export async function traceCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "text") {
    const { values, positionals } = parseCommand(
      "trace text",
      rest,
      {
        node: { type: "string", multiple: true },
        kind: { type: "string", multiple: true },
        from: { type: "string" },
        to: { type: "string" },
        width: { type: "string" },
        color: { type: "boolean" },
      },
      "faultline trace text <file> [--node n1,n2] [--kind send,deliver] [--from ms] [--to ms] [--width N] [--color]",
    );
    const { trace } = load(positionals[0], io);
    const kinds = values.kind?.flatMap((k) => k.split(",")).filter(Boolean);
    const bad = kinds?.filter((k) => !isEventKind(k));
    if (bad && bad.length > 0)
      throw new UsageError(
        `trace text: unknown kind ${bad.map((k) => `"${k}"`).join(", ")}; kinds: ${EVENT_KINDS.join(", ")}`,
      );
    const nodes = values.node?.flatMap((n) => n.split(",")).filter(Boolean);
    const width = values.width !== undefined ? Number(values.width) : (io.out.columns ?? 160);
    let text: string;
    try {
      text = renderTextView(trace, {
        ...(nodes ? { nodes } : {}),
        ...(kinds ? { kinds: kinds as EventKind[] } : {}),
        ...(values.from !== undefined ? { from: num("from", values.from) as number } : {}),
        ...(values.to !== undefined ? { to: num("to", values.to) as number } : {}),
        color: values.color ?? io.color,
        width,
      });
    } catch (err) {
      throw new UsageError(`trace text: ${(err as Error).message}`);
    }
    io.out.write(text);
    return 0;
  }
  if (sub === "shiviz") {
    const { values, positionals } = parseCommand(
      "trace shiviz",
      rest,
      { out: { type: "string", short: "o" } },
      "faultline trace shiviz <file> [--out FILE]",
    );
    const { trace } = load(positionals[0], io);
    const text = toShiViz(trace);
    if (values.out) {
      const out = resolve(io.cwd, values.out);
      writeFileSync(out, text);
      say(
        io.out,
        `wrote ${displayPath(out, io.cwd)}: paste it into ShiViz (https://bestchai.bitbucket.io/shiviz/) with the default parser settings`,
      );
    } else io.out.write(text);
    return 0;
  }
  if (sub === "open") {
    const { values, positionals } = parseCommand(
      "trace open",
      rest,
      { "no-browser": { type: "boolean" } },
      "faultline trace open <file> [--no-browser]",
    );
    const { path, trace } = load(positionals[0], io);
    const html = path.replace(/\.json$/, ".html");
    writeFileSync(html, renderHtmlView(trace));
    say(io.out, displayPath(html, io.cwd));
    if (!values["no-browser"] && hasDisplay()) {
      const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
      try {
        const child = spawn(opener, [html], { detached: true, stdio: "ignore" });
        child.on("error", () => say(io.err, `(could not start ${opener}; open the file in a browser)`));
        child.unref();
      } catch {
        say(io.err, `(could not start ${opener}; open the file in a browser)`);
      }
    } else if (!values["no-browser"]) say(io.err, "(no display here: open that file in a browser)");
    return 0;
  }
  throw new UsageError(
    sub ? `trace: unknown view "${sub}"; views: open, text, shiviz\nusage: ${USAGE}` : `usage: ${USAGE}`,
  );
}
