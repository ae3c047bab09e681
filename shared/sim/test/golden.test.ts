/**
 * Golden transcripts: scripted runs whose full traces are committed in testdata/ and compared
 * byte for byte, so a change that alters event order, timing, randomness or a message shows in
 * review. After an intended change: `pnpm --filter @faultline/sim golden:rewrite`, then read
 * the diff.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseTranscript, renderTranscript, runTranscript } from "./golden/datadriven.ts";
import { TranscriptReplay } from "./golden/commands.ts";

const TESTDATA = fileURLToPath(new URL("./testdata/", import.meta.url));
const files = readdirSync(TESTDATA)
  .filter((f) => f.endsWith(".txt"))
  .sort();

describe("golden transcripts", () => {
  it("has transcripts to compare", () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  for (const file of files) {
    it(file, async () => {
      const replay = new TranscriptReplay();
      const { expected, actual } = await runTranscript(join(TESTDATA, file), (command) => replay.run(command));
      expect(
        actual,
        `testdata/${file} differs from this run; if the change is intended: pnpm --filter @faultline/sim golden:rewrite`,
      ).toBe(expected);
    }, 30_000);
  }

  it("a transcript reads back to the same text, and a changed output line is a difference", () => {
    const text = "# a comment\nsim seed=1 nodes=2\n----\nendpoints n1 n2\n\nrun 5\n----\n\nhash\n----\nhash 1\n";
    const blocks = parseTranscript(text, "t.txt");
    expect(blocks.map((b) => b.command)).toEqual(["sim seed=1 nodes=2", "run 5", "hash"]);
    expect(
      renderTranscript(
        blocks,
        blocks.map((b) => b.expected),
      ),
    ).toBe(text);
    const changed = blocks.map((b) => (b.command === "hash" ? ["hash 2"] : b.expected));
    expect(renderTranscript(blocks, changed)).not.toBe(text);
  });

  it("a command without its separator is an error naming the line", () => {
    expect(() => parseTranscript("sim seed=1 nodes=2\nrun 5\n", "t.txt")).toThrow(/t\.txt:2: expected "----"/);
  });
});
