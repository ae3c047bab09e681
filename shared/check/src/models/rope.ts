/**
 * Immutable strings built by appending, as a chain of pieces (newest last). Appending never
 * copies the text, so a search that keeps tens of thousands of values differing by one append
 * holds one small node per value instead of one long string each; comparisons walk the pieces
 * from the end, where values usually differ, without flattening anything.
 */
export interface Rope {
  readonly prev: Rope | null;
  readonly piece: string;
  readonly length: number;
  /** Polynomial hash of the whole text (see ropeHash). */
  readonly hash: number;
}

const BASE = 0x01000193;

/** Polynomial hash of s continuing from h: h·BASE^|s| + Σ s[i]·BASE^(|s|-1-i) (mod 2^32). */
function polyHash(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, BASE) + s.charCodeAt(i)) | 0;
  return h;
}

export function ropeOf(text: string): Rope {
  return { prev: null, piece: text, length: text.length, hash: polyHash(text, 0) };
}

export function ropeAppend(rope: Rope | null, text: string): Rope {
  if (rope === null) return ropeOf(text);
  return { prev: rope, piece: text, length: rope.length + text.length, hash: polyHash(text, rope.hash) };
}

/** The whole text (for display). */
export function ropeText(rope: Rope | null): string {
  const pieces: string[] = [];
  for (let r = rope; r !== null; r = r.prev) pieces.push(r.piece);
  return pieces.reverse().join("");
}

/** Whether the rope spells exactly `s`, compared from the end. */
export function ropeEqualsString(rope: Rope | null, s: string): boolean {
  if (rope === null) return s.length === 0;
  if (rope.length !== s.length) return false;
  let end = s.length;
  for (let r: Rope | null = rope; r !== null; r = r.prev) {
    const p = r.piece;
    const start = end - p.length;
    for (let i = p.length - 1; i >= 0; i--) if (p.charCodeAt(i) !== s.charCodeAt(start + i)) return false;
    end = start;
  }
  return true;
}

/** Whether two ropes spell the same text. */
export function ropeEquals(a: Rope | null, b: Rope | null): boolean {
  let x = a;
  let y = b;
  // fast path: the same pieces on (often shared) predecessors
  for (;;) {
    if (x === y) return true;
    if (x === null || y === null || x.length !== y.length || x.hash !== y.hash) return false;
    if (x.piece !== y.piece) break;
    x = x.prev;
    y = y.prev;
  }
  return ropeText(x) === ropeText(y);
}
