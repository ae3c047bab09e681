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
    const raftTest = "search: two candidates never both win term 1";
    const found = await inproc(
      ["grade", "raft", "--impl", "mutant:votes-twice-in-a-term", "--only", raftTest, "-q"],
      repo,
    );
    expect(found.code).toBe(1);
    const saved = join(repo, ".faultline/traces/raft/search-two-candidates-never-both-win-term-1.seed1.search.json");
    const before = readFileSync(saved, "utf8");
    // Against fixed code (the reference) the events stop being possible part-way: the replay
    // says so, and the file must still be there for the next try.
    const again = await inproc(["grade", "raft", "--impl", "reference", "--only", raftTest, "--replay", saved], repo);
    expect(again.code).toBe(1);
    expect(again.stdout + again.stderr).toMatch(/not possible/);
    expect(existsSync(saved)).toBe(true);
    expect(readFileSync(saved, "utf8")).toBe(before);
  }, 120_000);
});
