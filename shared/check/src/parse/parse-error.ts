/** A malformed history line, reported with its file and 1-based line number. */
export class HistoryParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = "HistoryParseError";
  }
}

/** Lines of a text file without their line endings (handles \n and \r\n). */
export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.endsWith("\r")) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** Longest line a parser accepts; guards against a binary file read as text. */
export const MAX_LINE_LENGTH = 1 << 20;
