/**
 * The common line of a Jepsen text log, `INFO  jepsen.util - 3	:invoke	:cas	[1 4]`, read with
 * character scans instead of regular expressions and the EDN reader: nearly every line of a
 * real history has this shape, and reading it this way makes parsing several times faster.
 *
 * It accepts only lines the general reader in jepsen.ts reads the same way (spaces or tabs
 * between fields; a value that is nil, an integer or a pair of integers, or else read as EDN
 * by the caller) and says "not mine" for anything else, which then takes the general path
 * with its error messages.
 */

/** The fields of one record; `value` is undefined when it is not a plain shape (read it as EDN). */
export interface UtilLine {
  process: number;
  type: string;
  f: string;
  value: null | number | [number, number] | undefined;
  /** The value's text when `value` is undefined ("" for none). */
  valueText: string;
}

const SPACE = 32;
const TAB = 9;
const ZERO = 48;
const NINE = 57;
const MINUS = 45;
const COLON = 58;

const isBlank = (c: number): boolean => c === SPACE || c === TAB;
const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/** Keywords the general reader accepts for :type (anything else is its error to report). */
const TYPES = new Set(["invoke", "ok", "fail", "info"]);

/** Index of the first non-blank at or after i (at most end). */
function skipBlanks(text: string, i: number, end: number): number {
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  return i;
}

/** A whole decimal integer in [from, to), or NaN (too long to be exact, or not one). */
function integer(text: string, from: number, to: number): number {
  let i = from;
  let sign = 1;
  if (i < to && text.charCodeAt(i) === MINUS) {
    sign = -1;
    i++;
  }
  if (i === to || to - i > 15) return Number.NaN;
  let n = 0;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return Number.NaN;
    n = n * 10 + (c - ZERO);
  }
  return sign * n;
}

/** nil, an integer or `[a b]` in [from, to); undefined for any other text. */
function plainValue(text: string, from: number, to: number): UtilLine["value"] {
  if (to - from === 3 && text.startsWith("nil", from)) return null;
  const c = text.charCodeAt(from);
  if (c === 91 /* [ */ && text.charCodeAt(to - 1) === 93 /* ] */) {
    let i = from + 1;
    let j = i;
    while (j < to - 1 && !isBlank(text.charCodeAt(j))) j++;
    const a = integer(text, i, j);
    i = skipBlanks(text, j, to - 1);
    if (i === j) return undefined;
    j = i;
    while (j < to - 1 && !isBlank(text.charCodeAt(j))) j++;
    if (j !== to - 1) return undefined;
    const b = integer(text, i, j);
    return Number.isNaN(a) || Number.isNaN(b) ? undefined : [a, b];
  }
  const n = integer(text, from, to);
  return Number.isNaN(n) ? undefined : n;
}

/** A word of [a-z-] starting at i; returns its end (i when there is none). */
function wordEnd(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if ((c >= 97 && c <= 122) || c === MINUS) i++;
    else break;
  }
  return i;
}

/**
 * Reads text[start, end) as a jepsen.util record of an INFO line into `out`. Returns false
 * when the line has any other shape (the general reader takes it then).
 */
export function readUtilLine(text: string, start: number, end: number, out: UtilLine): boolean {
  let i = skipBlanks(text, start, end);
  while (end > i && isBlank(text.charCodeAt(end - 1))) end--;
  if (!text.startsWith("INFO", i)) return false;
  i += 4;
  let j = skipBlanks(text, i, end);
  if (j === i || !text.startsWith("jepsen.util", j)) return false;
  i = j + 11;
  j = skipBlanks(text, i, end);
  if (j === i || text.charCodeAt(j) !== MINUS) return false;
  i = j + 1;
  j = skipBlanks(text, i, end);
  if (j === i) return false;
  // process
  i = j;
  while (j < end && isDigit(text.charCodeAt(j))) j++;
  if (j === i || j - i > 15 || j === end || !isBlank(text.charCodeAt(j))) return false;
  const process = integer(text, i, j);
  // :type
  i = skipBlanks(text, j, end);
  if (text.charCodeAt(i) !== COLON) return false;
  j = wordEnd(text, i + 1, end);
  const type = text.slice(i + 1, j);
  if (!TYPES.has(type) || j === end || !isBlank(text.charCodeAt(j))) return false;
  // :f
  i = skipBlanks(text, j, end);
  if (text.charCodeAt(i) !== COLON) return false;
  j = wordEnd(text, i + 1, end);
  if (j === i + 1 || (j < end && !isBlank(text.charCodeAt(j)))) return false;
  out.process = process;
  out.type = type;
  out.f = text.slice(i + 1, j);
  // value: the rest, trimmed
  i = skipBlanks(text, j, end);
  out.value = i === end ? null : plainValue(text, i, end);
  out.valueText = out.value === undefined ? text.slice(i, end) : "";
  return true;
}
