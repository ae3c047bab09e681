/**
 * Reads the expected verdicts and the Go checker's run times from data/porcupine/VERDICTS.md,
 * so the tests and the bench use the one table that records them.
 */

export interface EtcdVerdict {
  readonly linearizable: boolean;
  readonly goMs: number;
}

export interface KvVerdict {
  readonly linearizable: boolean;
  readonly goMsPartitioned: number | null;
  readonly goMsUnpartitioned: number | null;
}

/** "0.14 ms" → 0.14, "2.3 s (…)" → 2300, anything else → null. */
function duration(cell: string): number | null {
  const m = /^([\d.]+)\s*(ms|s)\b/.exec(cell.trim());
  if (m === null) return null;
  const v = Number(m[1]);
  return m[2] === "s" ? v * 1000 : v;
}

function cells(line: string): string[] {
  return line
    .split("|")
    .slice(1, -1)
    .map((c) => c.trim());
}

export function readVerdicts(markdown: string): { etcd: Map<string, EtcdVerdict>; kv: Map<string, KvVerdict> } {
  const etcd = new Map<string, EtcdVerdict>();
  const kv = new Map<string, KvVerdict>();
  for (const line of markdown.split("\n")) {
    if (!line.startsWith("| ")) continue;
    const c = cells(line);
    const file = c[0] ?? "";
    if (/^etcd_\d{3}\.log$/.test(file)) {
      const verdict = c[4] ?? "";
      if (verdict.includes("(Ok)")) etcd.set(file, { linearizable: true, goMs: Number(c[5]) });
      else if (verdict.includes("(Illegal)")) etcd.set(file, { linearizable: false, goMs: Number(c[5]) });
    } else if (/^c\d\d-(ok|bad)\.txt$/.test(file)) {
      const verdict = c[5] ?? "";
      kv.set(file, {
        linearizable: verdict.includes("yes"),
        goMsPartitioned: duration(c[6] ?? ""),
        goMsUnpartitioned: duration(c[7] ?? ""),
      });
    }
  }
  if (etcd.size !== 102) throw new Error(`VERDICTS.md: expected 102 etcd verdicts, found ${etcd.size}`);
  if (kv.size !== 6) throw new Error(`VERDICTS.md: expected 6 kv verdicts, found ${kv.size}`);
  return { etcd, kv };
}
