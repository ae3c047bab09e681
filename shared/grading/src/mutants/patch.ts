/**
 * Unified diffs, as `git diff` and `diff -u` write them, parsed and applied strictly: every
 * context and removed line must match the file exactly. A hunk may have moved (lines added or
 * removed above it since the patch was written) and is then found at the nearest place where it
 * matches, as `patch` does; it is never applied with fuzz.
 */

/** One `@@ -a,b +c,d @@` block: the lines it expects (context and removed) and what replaces them. */
export interface Hunk {
  /** The header line, for messages. */
  header: string;
  /** 1-based line of the old file where the hunk starts (0 for a hunk that adds to an empty file). */
  oldStart: number;
  /** The old file's lines the hunk covers: its context and removed lines, in order. */
  before: string[];
  /** The new lines: its context and added lines, in order. */
  after: string[];
}

/** The changes to one file. `oldPath` is null for a new file. Paths are without `a/` and `b/`. */
export interface FilePatch {
  oldPath: string | null;
  newPath: string;
  hunks: Hunk[];
  /** Whether the new file ends with a newline (false after "\ No newline at end of file" on its last line). */
  newEndsWithNewline: boolean;
}

/** A patch that cannot be read, or a hunk whose lines are not in the file. */
export class PatchError extends Error {
  override name = "PatchError";
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

function stripPrefix(path: string): string | null {
  const p = path.split("\t")[0]!.trim();
  if (p === "/dev/null") return null;
  return p.replace(/^[ab]\//, "");
}

/** Parse a unified diff of one or more files. Lines outside file sections (`diff --git`, `index`, prose) are ignored. */
export function parsePatch(text: string): FilePatch[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const files: FilePatch[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (!line.startsWith("--- ") || !lines[i + 1]?.startsWith("+++ ")) {
      i++;
      continue;
    }
    const oldPath = stripPrefix(line.slice(4));
    const newPath = stripPrefix(lines[i + 1]!.slice(4));
    if (newPath === null) throw new PatchError(`line ${i + 2}: deleting a file (+++ /dev/null) is not supported`);
    const file: FilePatch = { oldPath, newPath, hunks: [], newEndsWithNewline: true };
    i += 2;
    while (i < lines.length && lines[i]!.startsWith("@@")) {
      const header = lines[i]!;
      const m = HUNK_HEADER.exec(header);
      if (!m) throw new PatchError(`line ${i + 1}: malformed hunk header ${JSON.stringify(header)}`);
      let oldCount = m[2] === undefined ? 1 : Number(m[2]);
      let newCount = m[4] === undefined ? 1 : Number(m[4]);
      const hunk: Hunk = { header, oldStart: Number(m[1]), before: [], after: [] };
      i++;
      while (oldCount > 0 || newCount > 0) {
        const l = lines[i];
        if (l === undefined) throw new PatchError(`${newPath}: hunk ${header} ends early (the patch is cut off)`);
        const body = l.slice(1);
        if (l.startsWith(" ") || l === "") {
          // An empty line is a context line whose leading space an editor removed.
          hunk.before.push(body);
          hunk.after.push(body);
          oldCount--;
          newCount--;
        } else if (l.startsWith("-")) {
          hunk.before.push(body);
          oldCount--;
        } else if (l.startsWith("+")) {
          hunk.after.push(body);
          newCount--;
        } else if (!l.startsWith("\\"))
          throw new PatchError(
            `${newPath}: hunk ${header}: line ${i + 1} ${JSON.stringify(l)} is not context, "-" or "+"`,
          );
        i++;
        if (lines[i]?.startsWith("\\")) {
          // "\ No newline at end of file" after an added or context line: the new file has none.
          if (!l.startsWith("-")) file.newEndsWithNewline = false;
          i++;
        }
      }
      if (oldCount < 0 || newCount < 0)
        throw new PatchError(`${newPath}: hunk ${header} has more lines than its header counts`);
      file.hunks.push(hunk);
    }
    if (file.hunks.length === 0) throw new PatchError(`${newPath}: a file section without hunks`);
    files.push(file);
  }
  return files;
}

function matchesAt(lines: readonly string[], at: number, expected: readonly string[]): boolean {
  if (at < 0 || at + expected.length > lines.length) return false;
  for (let k = 0; k < expected.length; k++) if (lines[at + k] !== expected[k]) return false;
  return true;
}

/** Why a hunk does not apply at its own line: the first line that differs. */
function mismatch(lines: readonly string[], at: number, expected: readonly string[]): string {
  for (let k = 0; k < expected.length; k++) {
    const actual = lines[at + k];
    if (actual !== expected[k]) {
      const where = `line ${at + k + 1}`;
      return actual === undefined
        ? `the file ends before ${where}, where the patch expects ${JSON.stringify(expected[k])}`
        : `${where} is ${JSON.stringify(actual)} where the patch expects ${JSON.stringify(expected[k])}`;
    }
  }
  return "it matches nowhere after the previous hunk";
}

/**
 * Apply one file's hunks to its text (empty for a new file). Hunks apply in order, each after
 * the previous one; a hunk whose lines are not found is a PatchError naming the hunk.
 */
export function applyFilePatch(original: string, patch: FilePatch): string {
  const endsWithNewline = original === "" || original.endsWith("\n");
  const lines = original === "" ? [] : (endsWithNewline ? original.slice(0, -1) : original).split("\n");
  const out: string[] = [];
  let pos = 0; // next line of `lines` not yet copied
  let drift = 0; // how far earlier hunks were found from where their headers put them
  patch.hunks.forEach((h, n) => {
    const stated = Math.max(0, h.before.length === 0 ? h.oldStart : h.oldStart - 1);
    const want = stated + drift;
    // The nearest place at or after the previous hunk where every expected line matches.
    let at = -1;
    for (let d = 0; at < 0 && (want - d >= pos || want + d <= lines.length); d++) {
      if (want - d >= pos && matchesAt(lines, want - d, h.before)) at = want - d;
      else if (d > 0 && want + d >= pos && matchesAt(lines, want + d, h.before)) at = want + d;
    }
    if (at < 0)
      throw new PatchError(
        `hunk ${n + 1} of ${patch.hunks.length} (${h.header}) of ${patch.newPath} does not apply: ${mismatch(lines, Math.max(pos, want), h.before)}`,
      );
    drift = at - stated;
    out.push(...lines.slice(pos, at), ...h.after);
    pos = at + h.before.length;
  });
  out.push(...lines.slice(pos));
  const lastHunk = patch.hunks.at(-1);
  const touchesEnd = pos === lines.length && lastHunk !== undefined;
  const newline = touchesEnd ? patch.newEndsWithNewline : endsWithNewline;
  return out.length === 0 ? "" : out.join("\n") + (newline ? "\n" : "");
}
