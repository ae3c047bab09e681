/** `grade --replay FILE`: which files and flags it takes, and what it says about the others. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { parseGrade } from "../src/index.ts";
import { inproc } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "faultline-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: new PassThrough(), err: new PassThrough(), cwd: dir, color: false };
const TEST = "search: every ordering of gossip under loss and duplication";
const events = [{ kind: "drop", from: "n1", to: "n2", text: "{}" }];

function file(name: string, content: unknown): string {
  writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return name;
}

describe("grade --replay", () => {
  it("reads the events of a search counterexample and writes trace views", () => {
    const f = file("ok.search.json", { format: "faultline-trace/1", search: { test: TEST, events } });
    const plan = parseGrade(["g-counter", "--only", TEST, "--replay", f], io);
    expect(plan).not.toBe("help");
    if (plan === "help") return;
    expect(plan.replay).toEqual(events);
    expect(plan.trace).toBe(true);
  });

  it("needs one lab and --only", () => {
    const f = file("a.search.json", { search: { test: TEST, events } });
    expect(() => parseGrade(["g-counter", "--replay", f], io)).toThrow(/give one lab and --only/);
  });

  it("refuses a trace with no counterexample, one of another test, and text that is not JSON", () => {
    expect(() => parseGrade(["g-counter", "--only", TEST, "--replay", file("b.json", { events: [] })], io)).toThrow(
      /holds no search counterexample/,
    );
    expect(() =>
      parseGrade(["g-counter", "--only", TEST, "--replay", file("c.json", { search: { test: "other", events } })], io),
    ).toThrow(/is a counterexample of "other"/);
    expect(() => parseGrade(["g-counter", "--only", TEST, "--replay", file("d.json", "{")], io)).toThrow(
      /cannot read it as JSON/,
    );
  });

  it("keeps the counterexample it replays, so the same file can be replayed again after a fix", async () => {
    const repo = fileURLToPath(new URL("../../../", import.meta.url));
    const found = await inproc(["grade", "g-counter", "--impl", "mutant:merge-by-sum", "--only", TEST, "-q"], repo);
    expect(found.code).toBe(1);
    const saved = join(
      repo,
      ".faultline/traces/g-counter/search-every-ordering-of-gossip-under-loss-and-duplication.seed1.search.json",
    );
    const before = readFileSync(saved, "utf8");
    // The reference is the fixed code: the counterexample's events no longer violate anything.
    const again = await inproc(
      ["grade", "g-counter", "--impl", "reference", "--only", TEST, "--replay", saved, "-q"],
      repo,
    );
    expect(again.stderr).not.toMatch(/cannot read/);
    // The replay rewrites the file with its own trace (no violation now), keeping the events.
    expect(existsSync(saved)).toBe(true);
    const after = JSON.parse(readFileSync(saved, "utf8")) as { violation?: unknown; search: { events: unknown } };
    expect(after.search.events).toEqual((JSON.parse(before) as { search: { events: unknown } }).search.events);
    expect(after.violation).toBeUndefined();
  }, 120_000);
});
