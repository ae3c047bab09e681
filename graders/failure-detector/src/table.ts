/**
 * The report tables: one row per configuration, each measured figure with its bound next to it,
 * so a learner sees the trade-off and which side of a bound a detector landed on.
 */

export interface Column {
  title: string;
  /** The measured value and, when graded, its bound ("<= 800"). */
  cells: string[];
}

/** A plain-text table, columns padded to their widest cell. */
export function formatTable(columns: readonly Column[]): string {
  const rows = Math.max(0, ...columns.map((c) => c.cells.length));
  const widths = columns.map((c) => Math.max(c.title.length, ...c.cells.map((x) => x.length)));
  const line = (cells: string[]) =>
    cells
      .map((x, i) => x.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  const out = [line(columns.map((c) => c.title)), line(widths.map((w) => "-".repeat(w)))];
  for (let r = 0; r < rows; r++) out.push(line(columns.map((c) => c.cells[r] ?? "")));
  return out.join("\n");
}

/** A measured figure with its bound: "612 (<= 800)", with a cross when it is over. */
export function withBound(value: number, bound: number | undefined, digits = 0): string {
  const v = Number.isFinite(value) ? value.toFixed(digits) : "-";
  if (bound === undefined) return v;
  const over = Number.isFinite(value) && value > bound;
  return `${v} (<= ${bound.toFixed(digits)})${over ? " ✗" : ""}`;
}
