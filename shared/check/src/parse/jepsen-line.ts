/**
 * The common line of a Jepsen text log, `INFO  jepsen.util - 3	:invoke	:cas	[1 4]`, read with
 * one sticky regular expression (compiled to native code by the engine) instead of a log-line
 * match, a record match and the EDN reader: nearly every line of a real history has this
 * shape, and reading it this way makes parsing several times faster.
 *
 * It accepts only lines the general reader in jepsen.ts reads the same way (spaces or tabs
 * between fields; a value that is nil, an integer of at most 15 digits, a pair of such integers
 * or a simple keyword) and says "not mine" for anything else, which then takes the general
 * path with its error messages.
 */

/** The fields of one record; `value` is undefined for a keyword value (`valueText`, e.g. ":timed-out"). */
export interface UtilLine {
  process: number;
  type: string;
  f: string;
  value: null | number | [number, number] | undefined;
  /** The keyword of a keyword value, "" otherwise. */
  valueText: string;
}

// groups: 1 process, 2 type, 3 f, 4 integer value, 5 and 6 a pair, 7 a keyword; nil or no value: none of 4-7
const UTIL_LINE =
  /[ \t]*INFO[ \t]+jepsen\.util[ \t]+-[ \t]+(\d{1,15})[ \t]+:(invoke|ok|fail|info)[ \t]+:([a-z-]+)(?:[ \t]+(?:nil|(-?\d{1,15})|\[(-?\d{1,15})[ \t]+(-?\d{1,15})\]|(:[a-z-]+)))?[ \t]*(?=\r?\n|\r?$)/y;

/**
 * Reads the line starting at `start` (ending at `end`, its line break excluded) as a
 * jepsen.util record of an INFO line into `out`. Returns false when the line has any other
 * shape (the general reader takes it then).
 */
export function readUtilLine(text: string, start: number, end: number, out: UtilLine): boolean {
  UTIL_LINE.lastIndex = start;
  const m = UTIL_LINE.exec(text);
  if (m === null || UTIL_LINE.lastIndex !== end) return false;
  out.process = Number(m[1]);
  out.type = m[2] as string;
  out.f = m[3] as string;
  out.valueText = "";
  if (m[4] !== undefined) out.value = Number(m[4]);
  else if (m[5] !== undefined) out.value = [Number(m[5]), Number(m[6])];
  else if (m[7] !== undefined) {
    out.value = undefined;
    out.valueText = m[7];
  } else out.value = null;
  return true;
}
