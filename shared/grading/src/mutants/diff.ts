/**
 * A unified diff of two versions of a file, in the form `git diff` writes (`--- a/<path>`,
 * `+++ b/<path>`, three lines of context), so that a mutant's patch reads like any other.
 */

const CONTEXT = 3;

type Op = { kind: " " | "-" | "+"; text: string };

/** The line edits from `a` to `b`: a longest common subsequence over the part that differs. */
function lineOps(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  // lcs[i][j]: length of the longest common subsequence of x[i..] and y[j..] (a mutant changes a few lines).
  const w = y.length + 1;
  const lcs = new Uint32Array((x.length + 1) * w);
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--)
      lcs[i * w + j] =
        x[i] === y[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
  const ops: Op[] = a.slice(0, head).map((text) => ({ kind: " ", text }));
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      ops.push({ kind: " ", text: x[i++]! });
      j++;
    } else if (i < x.length && (j === y.length || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
      // Removals before additions, as diff prints them.
      ops.push({ kind: "-", text: x[i++]! });
    } else ops.push({ kind: "+", text: y[j++]! });
  }
  for (const text of a.slice(a.length - tail)) ops.push({ kind: " ", text });
  return ops;
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
}

/**
 * The unified diff turning `before` into `after` (the text of `path`), or "" when they are the
 * same. `before` null means a new file.
 */
export function unifiedDiff(path: string, before: string | null, after: string): string {
  if (before === after) return "";
  const a = splitLines(before ?? "");
  const b = splitLines(after);
  const ops = lineOps(a, b);
  const changed = ops.map((o, k) => (o.kind === " " ? -1 : k)).filter((k) => k >= 0);
  // Group changes whose context would touch or overlap into one hunk.
  const groups: Array<[number, number]> = [];
  for (const k of changed) {
    const last = groups.at(-1);
    if (last && k - last[1] <= 2 * CONTEXT) last[1] = k;
    else groups.push([k, k]);
  }
  const out = [`--- ${before === null ? "/dev/null" : `a/${path}`}`, `+++ b/${path}`];
  for (const [first, last] of groups) {
    const from = Math.max(0, first - CONTEXT);
    const to = Math.min(ops.length - 1, last + CONTEXT);
    let oldLine = 1;
    let newLine = 1;
    for (let k = 0; k < from; k++) {
      if (ops[k]!.kind !== "+") oldLine++;
      if (ops[k]!.kind !== "-") newLine++;
    }
    const body = ops.slice(from, to + 1);
    const oldCount = body.filter((o) => o.kind !== "+").length;
    const newCount = body.filter((o) => o.kind !== "-").length;
    // As diff does: an empty side starts at the line before it.
    out.push(
      `@@ -${oldCount === 0 ? oldLine - 1 : oldLine},${oldCount} +${newCount === 0 ? newLine - 1 : newLine},${newCount} @@`,
    );
    for (const o of body) out.push(`${o.kind}${o.text}`);
  }
  const noNewline = (text: string | null): boolean => text !== null && text !== "" && !text.endsWith("\n");
  if (noNewline(before) || noNewline(after)) {
    // Rare in source files; say it the way diff does, after the last line of each side.
    throw new Error(`${path}: a file without a newline at its end; add one before writing the patch`);
  }
  return `${out.join("\n")}\n`;
}
