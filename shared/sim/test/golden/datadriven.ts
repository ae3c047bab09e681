/**
 * Datadriven transcripts, after etcd's `datadriven` testdata: a file is a list of blocks
 *
 *     # comments and blank lines before a command are kept as they are
 *     command args...
 *     ----
 *     the output the command produced, line by line
 *     <blank line>
 *
 * The test runs every command and rebuilds the file from what the commands print; the rebuilt
 * text must equal the committed file byte for byte. With FAULTLINE_REWRITE=1 the file is
 * rewritten instead (after an intended change; review the diff like any other code).
 */
import { readFileSync, writeFileSync } from "node:fs";

export interface Block {
  /** Comment and blank lines before the command, verbatim. */
  preamble: string[];
  command: string;
  /** Line in the file where the command is (1-based), for error messages. */
  line: number;
  expected: string[];
}

export const REWRITE = process.env.FAULTLINE_REWRITE === "1";

const SEPARATOR = "----";

export function parseTranscript(text: string, file: string): Block[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const blocks: Block[] = [];
  let preamble: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "" || line.startsWith("#")) {
      preamble.push(line);
      continue;
    }
    const command = line;
    const at = i + 1;
    if (lines[i + 1] !== SEPARATOR)
      throw new Error(`${file}:${at + 1}: expected "${SEPARATOR}" after the command "${command}"`);
    i += 2;
    const expected: string[] = [];
    while (i < lines.length && lines[i] !== "") expected.push(lines[i++] as string);
    blocks.push({ preamble, command, line: at, expected });
    preamble = [];
  }
  if (preamble.some((l) => l !== "")) throw new Error(`${file}: comments after the last command belong to no command`);
  return blocks;
}

export function renderTranscript(
  blocks: ReadonlyArray<Pick<Block, "preamble" | "command">>,
  outputs: readonly string[][],
): string {
  const out: string[] = [];
  blocks.forEach((b, k) => {
    out.push(...b.preamble, b.command, SEPARATOR, ...(outputs[k] ?? []), "");
  });
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}

/**
 * Run a transcript file through `run` (one command at a time, in order). Returns the committed
 * text and the text the commands produce now; with FAULTLINE_REWRITE=1 the file is updated.
 */
export async function runTranscript(
  file: string,
  run: (command: string, at: string) => Promise<string[]>,
): Promise<{ expected: string; actual: string }> {
  const expected = readFileSync(file, "utf8");
  const blocks = parseTranscript(expected, file);
  const outputs: string[][] = [];
  for (const b of blocks) {
    const lines = await run(b.command, `${file}:${b.line}`);
    if (lines.some((l) => l === ""))
      throw new Error(`${file}:${b.line}: "${b.command}" printed an empty line, which would end its output block`);
    outputs.push(lines);
  }
  const actual = renderTranscript(blocks, outputs);
  if (REWRITE && actual !== expected) writeFileSync(file, actual);
  return { expected: REWRITE ? actual : expected, actual };
}
