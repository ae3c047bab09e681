/**
 * Lost acknowledged writes in a set or append workload: after healing and quiescence, every
 * final read must contain every acknowledged write. Writes with unknown outcome may or may not
 * appear; a value that was never written (or whose write failed) must not appear.
 */
import { canonical, show } from "./canonical.ts";
import type { AddOutcome } from "./counter.ts";

export interface SetWrite {
  readonly value: unknown;
  readonly outcome: AddOutcome;
}

export interface SetRead {
  /** Who read (a node or client name), for the report. */
  readonly by?: string;
  readonly values: readonly unknown[];
}

export interface ReadVerdict {
  readonly by: string;
  /** Acknowledged writes missing from this read. */
  readonly lost: readonly unknown[];
  /** Values present that no write (or only a failed write) produced. */
  readonly unexpected: readonly unknown[];
  /** Unknown-outcome writes that did take effect. */
  readonly recovered: number;
}

export interface LostWritesResult {
  readonly ok: boolean;
  readonly reads: readonly ReadVerdict[];
  readonly acknowledged: number;
  readonly message: string;
}

export function checkLostWrites(writes: readonly SetWrite[], finalReads: readonly SetRead[]): LostWritesResult {
  if (finalReads.length === 0) throw new Error("checkLostWrites: no final reads given");
  const acked = new Map<string, unknown>();
  const maybe = new Set<string>();
  for (const w of writes) {
    const key = canonical(w.value);
    if (w.outcome === "ok") acked.set(key, w.value);
    else if (w.outcome === "unknown") maybe.add(key);
  }
  const reads = finalReads.map((r, i): ReadVerdict => {
    const present = new Set(r.values.map((v) => canonical(v)));
    const lost = [...acked.entries()].filter(([k]) => !present.has(k)).map(([, v]) => v);
    const unexpected: unknown[] = [];
    let recovered = 0;
    for (const v of r.values) {
      const k = canonical(v);
      if (acked.has(k)) continue;
      if (maybe.has(k)) recovered++;
      else unexpected.push(v);
    }
    return { by: r.by ?? `read ${i}`, lost, unexpected, recovered };
  });
  const bad = reads.filter((r) => r.lost.length > 0 || r.unexpected.length > 0);
  if (bad.length === 0)
    return {
      ok: true,
      reads,
      acknowledged: acked.size,
      message: `all ${acked.size} acknowledged writes present in all ${reads.length} final reads`,
    };
  const lines = [`${bad.length} of ${reads.length} final reads are wrong (${acked.size} acknowledged writes):`];
  for (const r of bad) {
    const parts: string[] = [];
    if (r.lost.length > 0) parts.push(`lost ${r.lost.length} acknowledged: ${show(r.lost.slice(0, 10))}`);
    if (r.unexpected.length > 0) parts.push(`${r.unexpected.length} never written: ${show(r.unexpected.slice(0, 10))}`);
    lines.push(`  ${r.by}: ${parts.join("; ")}`);
  }
  return { ok: false, reads, acknowledged: acked.size, message: lines.join("\n") };
}
